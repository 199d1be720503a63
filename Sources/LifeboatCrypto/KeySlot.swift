import Crypto
import CryptoExtras
import Foundation
import LifeboatCore

/// One way in to a repository: the master key wrapped under a password (scrypt)
/// or under the contents of a key file (HKDF).
///
/// Slots are stored in plain JSON under `keys/`, named by the SHA-256 of their bytes so
/// that a damaged slot is told apart from a wrong password.
public struct KeySlot: Codable, Sendable {
    /// How the wrapping key is derived.
    public enum Kind: String, Codable, Sendable {
        /// scrypt over a password.
        case password
        /// HKDF-SHA256 over the bytes of a key file.
        case keyfile
    }

    /// Slot format version.
    public var version: Int
    /// How this slot is opened.
    public var kind: Kind
    /// When the slot was added.
    public var created: Date
    /// The host that added it, for `key list`.
    public var host: String
    /// The user that added it, for `key list`.
    public var user: String
    /// scrypt cost parameter N (password slots).
    public var n: Int?
    /// scrypt block size r.
    public var r: Int?
    /// scrypt parallelism p.
    public var p: Int?
    /// Random salt, base64.
    public var salt: String
    /// The sealed master key, base64.
    public var data: String

    /// Default scrypt cost N = 2^14 with p = 2: the work of N = 2^15, p = 1 (about 0.1 s)
    /// in 16 MiB instead of 32, so opening a repository fits the backup's memory budget.
    public static let defaultScryptN = 1 << 14
    /// Default scrypt parallelism (computed sequentially: it multiplies time, not memory).
    public static let defaultScryptP = 2

    /// Wraps `master` under a password.
    public static func wrap(
        _ master: MasterKey, password: String, scryptN: Int = defaultScryptN, host: String, user: String
    ) throws -> KeySlot {
        let salt = randomBytes(32)
        let p = scryptN >= defaultScryptN ? defaultScryptP : 1
        let kek = try deriveFromPassword(password, salt: salt, n: scryptN, r: 8, p: p)
        return try KeySlot(
            version: 1, kind: .password, created: Date(), host: host, user: user, n: scryptN, r: 8, p: p,
            salt: Data(salt).base64EncodedString(), data: seal(master, with: kek))
    }

    /// Wraps `master` under the bytes of a key file.
    public static func wrap(_ master: MasterKey, keyFile: [UInt8], host: String, user: String) throws -> KeySlot {
        let salt = randomBytes(32)
        let kek = deriveFromKeyFile(keyFile, salt: salt)
        return try KeySlot(
            version: 1, kind: .keyfile, created: Date(), host: host, user: user, n: nil, r: nil, p: nil,
            salt: Data(salt).base64EncodedString(), data: seal(master, with: kek))
    }

    /// Unwraps the master key, or returns nil when the secret does not open this slot.
    public func unwrap(password: String?, keyFile: [UInt8]?) throws -> MasterKey? {
        guard let salt = Data(base64Encoded: salt), let sealed = Data(base64Encoded: data) else {
            throw LifeboatError(.corrupted, "key slot is damaged: salt or data is not base64")
        }
        let kek: SymmetricKey
        switch kind {
        case .password:
            guard let password else { return nil }
            guard let n, let r, let p, n > 1, n <= 1 << 22, r > 0, r <= 32, p > 0, p <= 16 else {
                throw LifeboatError(.corrupted, "key slot is damaged: scrypt parameters out of range")
            }
            kek = try Self.deriveFromPassword(password, salt: Array(salt), n: n, r: r, p: p)
        case .keyfile:
            guard let keyFile else { return nil }
            kek = Self.deriveFromKeyFile(keyFile, salt: Array(salt))
        }
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let plain = try? AES.GCM.open(box, using: kek)
        else { return nil }
        return MasterKey(serialized: Array(plain))
    }

    /// Generates the contents of a new key file: 32 random bytes, base64, with a newline.
    public static func generateKeyFile() -> [UInt8] {
        Array((Data(randomBytes(32)).base64EncodedString() + "\n").utf8)
    }

    static func seal(_ master: MasterKey, with kek: SymmetricKey) throws -> String {
        let box = try AES.GCM.seal(master.serialized, using: kek)
        guard let combined = box.combined else {
            throw LifeboatError(.internalError, "AES-GCM produced no combined form")
        }
        return combined.base64EncodedString()
    }

    static func deriveFromPassword(_ password: String, salt: [UInt8], n: Int, r: Int, p: Int) throws -> SymmetricKey {
        do {
            return try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r,
                parallelism: p, maxMemory: 256 * 1024 * 1024 + 128 * r * n * p)
        } catch {
            throw LifeboatError(.internalError, "scrypt failed: \(error)", cause: error)
        }
    }

    static func deriveFromKeyFile(_ bytes: [UInt8], salt: [UInt8]) -> SymmetricKey {
        // Trailing whitespace is not part of the secret: editors add newlines.
        var trimmed = bytes
        while let last = trimmed.last, last == 10 || last == 13 || last == 32 { trimmed.removeLast() }
        return HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: trimmed), salt: salt,
            info: Array("lifeboat key file slot v1".utf8), outputByteCount: 32)
    }
}

/// Cryptographically secure random bytes.
public func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
}
