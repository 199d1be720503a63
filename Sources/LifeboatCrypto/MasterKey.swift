import Crypto
import Foundation
import LifeboatCore

/// The repository's secret: one key that seals every stored object, and one that
/// derives chunk ids, so that ids reveal nothing about content to someone without it.
///
/// A master key is random, created once with the repository, and never stored in the
/// clear: key slots (``KeySlot``) wrap it under a password or a key file.
public struct MasterKey: Sendable {
    /// Seals data with AES-256-GCM.
    let sealingKey: SymmetricKey
    /// Keys the HMAC-SHA256 that names chunks.
    let idKey: SymmetricKey
    /// That HMAC with the key's pads hashed once.
    let idMAC: KeyedSHA256
    /// Set for a write-only session: every nonce is this session's 8-byte id followed by a
    /// 32-bit counter, so a reader can tell which session key sealed an object.
    let sessionNonces: SessionNonces?
    /// Write-only session keys a reader with the master key derived, by session id: an
    /// object whose nonce starts with one of these ids is opened with that key.
    let sessions: [UInt64: SymmetricKey]

    /// The serialized length of a master key.
    public static let byteCount = 64

    /// A fresh random master key.
    public static func generate() -> MasterKey {
        MasterKey(sealingKey: SymmetricKey(size: .bits256), idKey: SymmetricKey(size: .bits256))
    }

    init(
        sealingKey: SymmetricKey, idKey: SymmetricKey, sessionNonces: SessionNonces? = nil, sessions: [UInt64: SymmetricKey] = [:]
    ) {
        self.sealingKey = sealingKey
        self.idKey = idKey
        idMAC = KeyedSHA256(key: idKey)
        self.sessionNonces = sessionNonces
        self.sessions = sessions
    }

    /// Restores a master key from its 64 serialized bytes.
    init?(serialized bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init(sealingKey: SymmetricKey(data: bytes[0..<32]), idKey: SymmetricKey(data: bytes[32..<64]))
    }

    /// The 64 bytes to wrap in a key slot.
    var serialized: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64)
        sealingKey.withUnsafeBytes { out.append(contentsOf: $0) }
        idKey.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// The keyed id of a chunk's plaintext (HMAC-SHA256 under the id key).
    public func chunkID(_ plaintext: UnsafeRawBufferPointer) -> ObjectID {
        idMAC.authenticationCode(for: plaintext).withUnsafeBytes { ObjectID(raw: $0) }
    }

    /// The keyed id of a chunk held in an array.
    public func chunkID(_ plaintext: [UInt8]) -> ObjectID {
        plaintext.withUnsafeBytes { chunkID($0) }
    }

    /// Encrypts and authenticates `plaintext`: the result is nonce (12) ‖ ciphertext ‖ tag (16).
    ///
    /// With `binding`, the id is authenticated as associated data: the sealed bytes open
    /// only under that id, so a blob moved or swapped inside a pack is caught by the tag.
    public func seal(_ plaintext: UnsafeRawBufferPointer, binding id: ObjectID? = nil) throws -> Data {
        do {
            let nonce = try AES.GCM.Nonce(data: sessionNonces?.next() ?? NonceSource.shared.next())
            let box =
                if let id {
                    try AES.GCM.seal(plaintext, using: sealingKey, nonce: nonce, authenticating: id.bytes)
                } else {
                    try AES.GCM.seal(plaintext, using: sealingKey, nonce: nonce)
                }
            guard let combined = box.combined else {
                throw LifeboatError(.internalError, "AES-GCM produced no combined form")
            }
            return combined
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError(.internalError, "encryption failed: \(error)", cause: error)
        }
    }

    /// Encrypts bytes held in an array or `Data`.
    public func seal<Bytes: ContiguousBytes>(_ plaintext: Bytes, binding id: ObjectID? = nil) throws -> Data {
        try plaintext.withUnsafeBytes { try seal($0, binding: id) }
    }

    /// Decrypts a sealed object; throws `.corrupted` naming `what` when authentication fails.
    public func open<Bytes: DataProtocol>(_ sealed: Bytes, binding id: ObjectID? = nil, what: @autoclosure () -> String) throws -> Data {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            if !sessions.isEmpty, let session = sessions[SessionNonces.sessionID(ofNonce: box.nonce)] {
                // A master-key nonce that happens to start with a session id (2^-64 per
                // session) fails here and is opened with the master key below.
                let opened =
                    id.map { try? AES.GCM.open(box, using: session, authenticating: $0.bytes) } ?? (try? AES.GCM.open(box, using: session))
                if let opened { return opened }
            }
            if let id { return try AES.GCM.open(box, using: sealingKey, authenticating: id.bytes) }
            return try AES.GCM.open(box, using: sealingKey)
        } catch {
            throw LifeboatError(.corrupted, "\(what()) is damaged: its authentication tag does not match", cause: error)
        }
    }

    /// Bytes that sealing adds to every object (nonce and tag).
    public static let sealingOverhead = 28
}
