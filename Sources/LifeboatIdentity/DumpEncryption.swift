import LifeboatCore
import LifeboatCrypto

/// Whom a dump is encrypted to: age X25519 recipients, or one scrypt passphrase (age allows no mix of the two).
public enum DumpEncryption: Sendable {
    /// Any one of these `age1…` recipients can decrypt.
    case recipients([AgeX25519Recipient])
    /// The passphrase decrypts (`age -d` asks for it); `workFactor` is scrypt's log2 N.
    case passphrase(String, workFactor: Int = Age.defaultWorkFactor)

    /// The node's configured recipients, parsed (checksums included).
    public static func configured(_ texts: [String]) throws -> DumpEncryption {
        guard !texts.isEmpty else {
            throw LifeboatError(.invalidArgument, "no age recipient configured: list at least one age1… key in identity.recipients")
        }
        var parsed: [AgeX25519Recipient] = []
        for text in texts {
            do {
                parsed.append(try AgeX25519Recipient(parsing: text))
            } catch {
                throw LifeboatError(.invalidArgument, "identity recipient \(text) is not a valid age X25519 recipient: \(error)")
            }
        }
        return .recipients(parsed)
    }

    /// Encrypts `plaintext` in the age format.
    func encrypt(_ plaintext: [UInt8]) throws -> [UInt8] {
        switch self {
        case .recipients(let recipients): return try Age.encrypt(plaintext, to: recipients)
        case .passphrase(let passphrase, let workFactor):
            return try Age.encrypt(plaintext, passphrase: passphrase, workFactor: workFactor)
        }
    }

    /// The public recipients, or `scrypt`, for the manifest.
    var manifestRecipients: [String] {
        switch self {
        case .recipients(let recipients): recipients.map(\.encoded)
        case .passphrase: ["scrypt"]
        }
    }
}
