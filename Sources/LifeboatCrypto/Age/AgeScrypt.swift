import Crypto
import CryptoExtras
import LifeboatCore

/// The `scrypt` stanza: the file key wrapped under a passphrase.
enum AgeScrypt {
    /// The highest work factor (log2 N) accepted when decrypting: 2^22 already needs 4 GiB.
    static let maxWorkFactor = 22

    private static let saltLabel = Array("age-encryption.org/v1/scrypt".utf8)

    /// Wraps `fileKey` under `passphrase` in a fresh `scrypt` stanza.
    static func wrap(fileKey: [UInt8], passphrase: String, workFactor: Int) throws -> AgeStanza {
        let salt = randomBytes(16)
        let key = try deriveKey(passphrase: passphrase, salt: salt, workFactor: workFactor)
        return AgeStanza(
            arguments: ["scrypt", AgeBase64.encodeUnpadded(salt), String(workFactor)],
            body: try AgeFileKey.seal(fileKey, with: key))
    }

    /// The file key from an `scrypt` stanza, or nil when the passphrase is wrong.
    static func unwrap(_ stanza: AgeStanza, passphrase: String) throws -> [UInt8]? {
        guard stanza.arguments.count == 3, let salt = AgeBase64.decodeUnpadded(Array(stanza.arguments[1].utf8)),
            salt.count == 16
        else {
            throw LifeboatError(.corrupted, "age scrypt stanza is malformed: it needs a 16-byte salt and a work factor")
        }
        let factorText = stanza.arguments[2]
        // The spec allows only ^[1-9][0-9]*$: no sign, no leading zero, so each value has one spelling.
        guard let first = factorText.utf8.first, first != UInt8(ascii: "0"),
            factorText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let workFactor = Int(factorText)
        else {
            throw LifeboatError(
                .corrupted, "age scrypt stanza is malformed: work factor '\(factorText)' is not a positive decimal number")
        }
        guard workFactor <= maxWorkFactor else {
            throw LifeboatError(
                .unsupported,
                "age scrypt work factor 2^\(workFactor) exceeds the accepted maximum 2^\(maxWorkFactor)")
        }
        guard stanza.body.count == 32 else {
            throw LifeboatError(.corrupted, "age scrypt stanza is malformed: its body is \(stanza.body.count) bytes, not 32")
        }
        let key = try deriveKey(passphrase: passphrase, salt: salt, workFactor: workFactor)
        return AgeFileKey.open(stanza.body, with: key)
    }

    private static func deriveKey(passphrase: String, salt: [UInt8], workFactor: Int) throws -> SymmetricKey {
        let n = 1 << workFactor
        do {
            return try KDF.Scrypt.deriveKey(
                from: Array(passphrase.utf8), salt: saltLabel + salt, outputByteCount: 32, rounds: n, blockSize: 8,
                parallelism: 1, maxMemory: 128 * 8 * n + 16 * 1024 * 1024)
        } catch {
            throw LifeboatError(.internalError, "scrypt with work factor 2^\(workFactor) failed: \(error)", cause: error)
        }
    }
}
