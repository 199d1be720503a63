import Crypto
import Foundation
import LifeboatCore

/// The age payload: a 16-byte nonce, then STREAM (ChaCha20-Poly1305 over 64 KiB chunks).
enum AgePayload {
    static let chunkSize = 64 * 1024
    static let tagSize = 16
    static let nonceSize = 16

    /// The payload key for one file.
    static func key(fileKey: [UInt8], nonce: some DataProtocol) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: fileKey), salt: nonce, info: Array("payload".utf8),
            outputByteCount: 32)
    }

    /// The 12-byte chunk nonce: an 11-byte big-endian counter and the last-chunk flag.
    static func chunkNonce(_ counter: UInt64, last: Bool) throws -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { bytes[10 - index] = UInt8(truncatingIfNeeded: counter >> UInt64(8 * index)) }
        bytes[11] = last ? 1 : 0
        return try ChaChaPoly.Nonce(data: bytes)
    }

    /// Appends the encrypted payload of `plaintext` to `out`.
    static func encrypt(_ plaintext: [UInt8], fileKey: [UInt8], into out: inout [UInt8]) throws {
        let nonce = randomBytes(nonceSize)
        let key = key(fileKey: fileKey, nonce: nonce)
        let chunks = max(1, (plaintext.count + chunkSize - 1) / chunkSize)
        out.reserveCapacity(out.count + nonceSize + plaintext.count + chunks * tagSize)
        out.append(contentsOf: nonce)
        for index in 0..<chunks {
            let start = index * chunkSize
            let chunk = plaintext[start..<min(start + chunkSize, plaintext.count)]
            do {
                let nonce = try chunkNonce(UInt64(index), last: index == chunks - 1)
                let box = try ChaChaPoly.seal(chunk, using: key, nonce: nonce)
                out.append(contentsOf: box.ciphertext)
                out.append(contentsOf: box.tag)
            } catch {
                throw LifeboatError(.internalError, "ChaCha20-Poly1305 failed to seal an age payload chunk: \(error)")
            }
        }
    }

    /// Decrypts the payload that starts at `offset` in `file`.
    static func decrypt(_ file: [UInt8], from offset: Int, fileKey: [UInt8]) throws -> [UInt8] {
        guard file.count - offset >= nonceSize else {
            throw LifeboatError(.corrupted, "age payload is truncated: the 16-byte nonce is missing")
        }
        let key = key(fileKey: fileKey, nonce: file[offset..<(offset + nonceSize)])
        var position = offset + nonceSize
        var counter: UInt64 = 0
        var plaintext = [UInt8]()
        plaintext.reserveCapacity(max(0, file.count - position))
        let fullChunk = chunkSize + tagSize
        while true {
            let remaining = file.count - position
            guard remaining > 0 else {
                // A full non-final chunk followed by nothing: the real final chunk was cut off.
                throw LifeboatError(.corrupted, "age payload is truncated: it ends without a final chunk")
            }
            guard remaining >= tagSize else {
                throw LifeboatError(.corrupted, "age payload is truncated: chunk \(counter) is shorter than its tag")
            }
            let length = min(remaining, fullChunk)
            let chunk = file[position..<(position + length)]
            if remaining > fullChunk {
                guard let opened = open(chunk, key: key, counter: counter, last: false) else {
                    throw chunkError(counter)
                }
                plaintext.append(contentsOf: opened)
            } else if remaining == fullChunk, let opened = open(chunk, key: key, counter: counter, last: false) {
                plaintext.append(contentsOf: opened)
            } else {
                guard let opened = open(chunk, key: key, counter: counter, last: true) else {
                    throw chunkError(counter)
                }
                if opened.isEmpty && counter > 0 {
                    throw LifeboatError(.corrupted, "age payload is malformed: the final chunk is empty")
                }
                plaintext.append(contentsOf: opened)
                return plaintext
            }
            position += length
            counter += 1
        }
    }

    private static func open(_ chunk: ArraySlice<UInt8>, key: SymmetricKey, counter: UInt64, last: Bool) -> Data? {
        let split = chunk.endIndex - tagSize
        guard
            let box = try? ChaChaPoly.SealedBox(
                nonce: chunkNonce(counter, last: last), ciphertext: chunk[..<split], tag: chunk[split...])
        else { return nil }
        return try? ChaChaPoly.open(box, using: key)
    }

    private static func chunkError(_ counter: UInt64) -> LifeboatError {
        LifeboatError(
            .corrupted,
            "age payload chunk \(counter) failed authentication: the file was modified, truncated"
                + " or has data appended")
    }
}
