import Crypto
import Foundation
import LifeboatCore
import Synchronization

/// Nonces of one write-only session: the session's 8-byte id, then a 32-bit counter.
///
/// A session key seals at most 2^32 objects and is never used again after its process
/// ends, so a counter is unique where 4 random bytes would not be.
final class SessionNonces: Sendable {
    let prefix: [UInt8]
    private let counter = Atomic<UInt32>(0)

    init(sessionID: UInt64) {
        prefix = withUnsafeBytes(of: sessionID.bigEndian) { Array($0) }
    }

    func next() -> [UInt8] {
        let value = counter.wrappingAdd(1, ordering: .relaxed).newValue
        precondition(value != 0, "a write-only session sealed 2^32 objects")
        return prefix + withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// The session id a nonce starts with.
    static func sessionID(ofNonce nonce: AES.GCM.Nonce) -> UInt64 {
        nonce.withUnsafeBytes { raw in raw.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
    }
}

/// The repository's write-only recipient: an X25519 key pair whose public half a host
/// holds to write backups it cannot read back, and whose private half is stored in the
/// repository sealed under the master key.
public struct RecipientKey: Sendable {
    let privateKey: Curve25519.KeyAgreement.PrivateKey

    /// A fresh key pair.
    public static func generate() -> RecipientKey {
        RecipientKey(privateKey: Curve25519.KeyAgreement.PrivateKey())
    }

    /// The public half, base64 (32 bytes).
    public var publicKey: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }

    /// The private half sealed under the master key, base64.
    public func sealedPrivateKey(under master: MasterKey) throws -> String {
        try master.seal(privateKey.rawRepresentation).base64EncodedString()
    }

    /// Opens a private half sealed by ``sealedPrivateKey(under:)``.
    public static func open(sealed: String, under master: MasterKey, what: String) throws -> RecipientKey {
        guard let bytes = Data(base64Encoded: sealed) else {
            throw LifeboatError(.corrupted, "\(what) is damaged: its data is not base64")
        }
        let raw = try master.open(bytes, what: what)
        do {
            return RecipientKey(privateKey: try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw))
        } catch {
            throw LifeboatError(.corrupted, "\(what) is damaged: not an X25519 private key")
        }
    }

    /// The key a session sealed its objects with, from the session's ephemeral public key.
    public func sessionKey(ephemeral: String, what: String) throws -> WriteOnlySessionKey {
        guard let raw = Data(base64Encoded: ephemeral),
            let ephemeralKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw)
        else {
            throw LifeboatError(.corrupted, "\(what) is damaged: its ephemeral key is not an X25519 public key")
        }
        let shared = try privateKey.sharedSecretFromKeyAgreement(with: ephemeralKey)
        return WriteOnlySessionKey(
            id: WriteOnlySession.sessionID(ephemeral: raw),
            key: WriteOnlySession.derive(shared, ephemeral: raw, recipient: privateKey.publicKey.rawRepresentation))
    }
}

/// The key one write-only session sealed with, as a reader derives it, and the id its
/// nonces start with.
public struct WriteOnlySessionKey: Sendable {
    let id: UInt64
    let key: SymmetricKey
}

/// One write-only backup run's keys: an ephemeral X25519 key agreed with the repository's
/// recipient gives a fresh AES-256-GCM key that the host forgets when the run ends.
public struct WriteOnlySession: Sendable {
    /// The ephemeral public key, base64: stored (in the clear) so a reader can derive the key.
    public let ephemeral: String
    /// The key the run seals with; chunk ids use the repository's id key.
    public let key: MasterKey

    /// Starts a session for the recipient `recipient` (base64 public key) with the
    /// repository's chunk-id key `idKey` (32 bytes).
    public static func start(recipient: String, idKey: [UInt8]) throws -> WriteOnlySession {
        guard let raw = Data(base64Encoded: recipient),
            let recipientKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw)
        else {
            throw LifeboatError(.invalidArgument, "the write-only key's recipient is not an X25519 public key")
        }
        guard idKey.count == 32 else {
            throw LifeboatError(.invalidArgument, "the write-only key's id key is \(idKey.count) bytes, not 32")
        }
        let ephemeralKey = Curve25519.KeyAgreement.PrivateKey()
        let ephemeral = ephemeralKey.publicKey.rawRepresentation
        let shared = try ephemeralKey.sharedSecretFromKeyAgreement(with: recipientKey)
        let id = sessionID(ephemeral: ephemeral)
        let key = MasterKey(
            sealingKey: derive(shared, ephemeral: ephemeral, recipient: raw), idKey: SymmetricKey(data: idKey),
            sessionNonces: SessionNonces(sessionID: id))
        return WriteOnlySession(ephemeral: ephemeral.base64EncodedString(), key: key)
    }

    static func sessionID(ephemeral: Data) -> UInt64 {
        var hash = SHA256()
        hash.update(data: Array("lifeboat write-only session id v1".utf8))
        hash.update(data: ephemeral)
        return hash.finalize().withUnsafeBytes { raw in raw.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
    }

    static func derive(_ shared: SharedSecret, ephemeral: Data, recipient: Data) -> SymmetricKey {
        shared.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: ephemeral + recipient, sharedInfo: Array("lifeboat write-only session v1".utf8),
            outputByteCount: 32)
    }
}

extension MasterKey {
    /// The chunk-id key's 32 bytes, for a write-only key file: it names chunks, it opens nothing.
    public var idKeyBytes: [UInt8] { idKey.withUnsafeBytes { Array($0) } }

    /// This master key, also opening the objects of the given write-only sessions.
    public func opening(sessions: [WriteOnlySessionKey]) -> MasterKey {
        var all = self.sessions
        for session in sessions { all[session.id] = session.key }
        return MasterKey(sealingKey: sealingKey, idKey: idKey, sessionNonces: sessionNonces, sessions: all)
    }

    /// Whether this key is a write-only session's (it seals, and opens only its own objects).
    public var isWriteOnlySession: Bool { sessionNonces != nil }
}
