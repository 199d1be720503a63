import Crypto
import Foundation
import LifeboatCore

/// SHA-256 helpers: object names are the SHA-256 of their stored bytes, and every
/// file's SHA-256 is recorded in its snapshot.
public enum Digest {
    /// The SHA-256 of `bytes` as an ``ObjectID``.
    public static func sha256<Bytes: DataProtocol>(_ bytes: Bytes) -> ObjectID {
        SHA256.hash(data: bytes).withUnsafeBytes { ObjectID(raw: $0) }
    }
}

/// An incremental SHA-256, for hashing files as they stream by.
public struct StreamingSHA256: Sendable {
    private var hasher = SHA256()

    /// A fresh hasher.
    public init() {}

    /// Adds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    /// The digest of everything added, as lower-case hex.
    public func finalizeHex() -> String { Hex.encode(hasher.finalize()) }
}
