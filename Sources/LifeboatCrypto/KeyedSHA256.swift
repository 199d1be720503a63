import Crypto
import Foundation

/// HMAC-SHA256 under one fixed key, with the key's inner and outer pads hashed once.
///
/// `HMAC<SHA256>` hashes both pads again for every message: for a 4 KiB database page
/// that is two blocks of 66, plus a generic call per page. Chunk ids are computed for every
/// page a backup reads, so the pads are hashed here once and each id starts from copies of
/// the two states (SHA-256 contexts are copy-on-write). The result is the standard
/// HMAC-SHA256 (RFC 2104); a test checks it against `HMAC<SHA256>`.
public struct KeyedSHA256: @unchecked Sendable {
    // Safe because both states are only ever copied, never mutated in place, and a copy
    // clones its context before its first update.
    private let inner: SHA256
    private let outer: SHA256

    /// Hashes the pads of `key` (at most one SHA-256 block, 64 bytes).
    public init(key: SymmetricKey) {
        var block = [UInt8](repeating: 0, count: 64)
        key.withUnsafeBytes { raw in
            precondition(raw.count <= 64, "an HMAC key longer than a block would have to be hashed first")
            for (i, byte) in raw.enumerated() { block[i] = byte }
        }
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// HMAC-SHA256 of `message` under the key.
    public func authenticationCode(for message: UnsafeRawBufferPointer) -> SHA256.Digest {
        var innerHash = inner
        innerHash.update(bufferPointer: message)
        let innerDigest = innerHash.finalize()
        var outerHash = outer
        innerDigest.withUnsafeBytes { outerHash.update(bufferPointer: $0) }
        return outerHash.finalize()
    }
}
