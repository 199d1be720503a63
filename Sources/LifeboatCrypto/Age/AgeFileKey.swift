import Crypto
import LifeboatCore

/// The 16-byte key that each age file is encrypted under, and how stanzas wrap it.
enum AgeFileKey {
    static let size = 16

    /// A fresh random file key.
    static func generate() -> [UInt8] { randomBytes(size) }

    private static func zeroNonce() throws -> ChaChaPoly.Nonce {
        try ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12))
    }

    /// ChaCha20-Poly1305 under the all-zero nonce, as both native stanza types wrap the file key;
    /// the zero nonce is safe because every wrap key is used once.
    static func seal(_ fileKey: [UInt8], with key: SymmetricKey) throws -> [UInt8] {
        do {
            let box = try ChaChaPoly.seal(fileKey, using: key, nonce: zeroNonce())
            return Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw LifeboatError(.internalError, "ChaCha20-Poly1305 failed to wrap an age file key: \(error)")
        }
    }

    /// The file key in a 32-byte stanza body, or nil when `key` does not open it.
    static func open(_ body: [UInt8], with key: SymmetricKey) -> [UInt8]? {
        guard body.count == size + 16,
            let box = try? ChaChaPoly.SealedBox(nonce: zeroNonce(), ciphertext: body[..<size], tag: body[size...]),
            let fileKey = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        return Array(fileKey)
    }
}
