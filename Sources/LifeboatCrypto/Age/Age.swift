import Foundation
import LifeboatCore

/// Encryption to and from the age file format (age-encryption.org/v1), readable by the `age` tool.
///
/// Files are whole buffers: Lifeboat encrypts identity dumps, which are small. Decryption
/// also accepts the ASCII-armored form (`-----BEGIN AGE ENCRYPTED FILE-----`).
public enum Age {
    /// The scrypt work factor (log2 N) `age` itself uses by default.
    public static let defaultWorkFactor = 18

    /// Encrypts `plaintext` so that any one of `recipients` can decrypt it.
    public static func encrypt(_ plaintext: [UInt8], to recipients: [AgeX25519Recipient]) throws -> [UInt8] {
        guard !recipients.isEmpty else {
            throw LifeboatError(.invalidArgument, "age encryption needs at least one recipient")
        }
        let fileKey = AgeFileKey.generate()
        let stanzas = try recipients.map { try $0.wrap(fileKey: fileKey) }
        return try seal(plaintext, stanzas: stanzas, fileKey: fileKey)
    }

    /// Encrypts `plaintext` under a passphrase, with scrypt at 2^`workFactor` iterations.
    public static func encrypt(
        _ plaintext: [UInt8], passphrase: String, workFactor: Int = defaultWorkFactor
    ) throws -> [UInt8] {
        guard !passphrase.isEmpty else {
            throw LifeboatError(.invalidArgument, "age passphrase must not be empty")
        }
        guard (1...AgeScrypt.maxWorkFactor).contains(workFactor) else {
            throw LifeboatError(
                .invalidArgument, "age scrypt work factor \(workFactor) is outside 1...\(AgeScrypt.maxWorkFactor)")
        }
        let fileKey = AgeFileKey.generate()
        let stanza = try AgeScrypt.wrap(fileKey: fileKey, passphrase: passphrase, workFactor: workFactor)
        return try seal(plaintext, stanzas: [stanza], fileKey: fileKey)
    }

    /// Decrypts an age file (binary or armored) with the first of `identities` that matches a recipient.
    public static func decrypt(_ file: [UInt8], identities: [AgeX25519Identity]) throws -> [UInt8] {
        let file = try AgeArmor.dearmor(file) ?? file
        let header = try AgeHeader(parsing: file)
        try checkScryptIsAlone(header)
        if header.stanzas.first?.type == "scrypt" {
            throw LifeboatError(
                .wrongPassword, "no identity matches any recipient of this file: it is encrypted with a passphrase")
        }
        for identity in identities {
            for stanza in header.stanzas {
                if let fileKey = try identity.unwrap(stanza) {
                    return try open(file, header: header, fileKey: fileKey)
                }
            }
        }
        throw LifeboatError(.wrongPassword, "no identity matches any recipient of this file")
    }

    /// Decrypts a passphrase-encrypted age file (binary or armored).
    public static func decrypt(_ file: [UInt8], passphrase: String) throws -> [UInt8] {
        let file = try AgeArmor.dearmor(file) ?? file
        let header = try AgeHeader(parsing: file)
        try checkScryptIsAlone(header)
        guard let stanza = header.stanzas.first, stanza.type == "scrypt" else {
            throw LifeboatError(
                .wrongPassword, "this file is encrypted to recipients, not with a passphrase: decrypt it with an identity")
        }
        guard let fileKey = try AgeScrypt.unwrap(stanza, passphrase: passphrase) else {
            throw LifeboatError(.wrongPassword, "wrong passphrase")
        }
        return try open(file, header: header, fileKey: fileKey)
    }

    /// Parses an age identity file: one `AGE-SECRET-KEY-1…` per line, `#` comments and blank lines.
    public static func parseIdentityFile(_ text: String) throws -> [AgeX25519Identity] {
        var identities: [AgeX25519Identity] = []
        // Split on any line break: "\r\n" is a single Character in Swift, so splitting on "\n" alone
        // would glue a CRLF file into one line and treat it all as a comment.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("AGE-PLUGIN-") {
                throw LifeboatError(
                    .unsupported, "identity on line \(index + 1) is an age plugin identity; only X25519 identities are supported")
            }
            if line.hasPrefix("age1") {
                throw LifeboatError(
                    .invalidArgument, "line \(index + 1) holds a recipient (public key), not an AGE-SECRET-KEY-1… identity")
            }
            do {
                identities.append(try AgeX25519Identity.parse(line))
            } catch {
                throw LifeboatError(
                    .invalidArgument, "identity on line \(index + 1) is not a valid AGE-SECRET-KEY-1… string: \(error)")
            }
        }
        guard !identities.isEmpty else {
            throw LifeboatError(.invalidArgument, "identity file holds no AGE-SECRET-KEY-1… identity")
        }
        return identities
    }

    private static func seal(_ plaintext: [UInt8], stanzas: [AgeStanza], fileKey: [UInt8]) throws -> [UInt8] {
        var out = AgeHeader.encode(stanzas: stanzas, fileKey: fileKey)
        try AgePayload.encrypt(plaintext, fileKey: fileKey, into: &out)
        return out
    }

    /// Verifies the header MAC and decrypts the payload; the MAC can only be checked once a
    /// stanza has yielded the file key.
    private static func open(_ file: [UInt8], header: AgeHeader, fileKey: [UInt8]) throws -> [UInt8] {
        guard header.verifyMAC(fileKey: fileKey) else {
            throw LifeboatError(.corrupted, "age header MAC does not match: the header was modified")
        }
        return try AgePayload.decrypt(file, from: header.payloadOffset, fileKey: fileKey)
    }

    /// Rejects headers that mix an scrypt stanza with others, which would undo the
    /// authentication a passphrase implies.
    private static func checkScryptIsAlone(_ header: AgeHeader) throws {
        if header.stanzas.count > 1, header.stanzas.contains(where: { $0.type == "scrypt" }) {
            throw LifeboatError(.corrupted, "age header is malformed: an scrypt stanza must be the only stanza")
        }
    }
}
