import Foundation
import LifeboatCore
import LifeboatCrypto

/// Writes age identity files in the layout `age-keygen` uses, readable by `age -d -i`.
public enum IdentityKeygen {
    /// A new identity as file text: created date, public key comment, secret key line.
    public static func fileText(for identity: AgeX25519Identity, now: Date = Date()) -> String {
        "# created: \(ISO8601.format(now))\n# public key: \(identity.recipient.encoded)\n\(identity.encoded)\n"
    }

    /// Generates an identity and writes it to `path` with mode 0600; an existing file is never replaced.
    @discardableResult
    public static func write(to path: String, now: Date = Date()) throws -> AgeX25519Recipient {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw LifeboatError(.alreadyExists, "\(path) already exists; an age identity file is never overwritten")
        }
        let identity = AgeX25519Identity.generate()
        try PrivateFile.save(Array(fileText(for: identity, now: now).utf8), to: path, mode: 0o600)
        return identity.recipient
    }

    /// Writes bytes that are safe to share (an encrypted export) with mode 0600, refusing to replace a file.
    public static func writeNew(_ bytes: Data, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw LifeboatError(.alreadyExists, "\(path) already exists; choose another output file")
        }
        try PrivateFile.save(Array(bytes), to: path, mode: 0o600)
    }
}
