import CZstd
import Foundation
import LifeboatCore
import Synchronization

/// A reusable zstd decompression context; one task uses it at a time.
final class ZstdDecompressionContext: @unchecked Sendable {
    // Safe because the pool hands each context to one task at a time.
    let dctx: OpaquePointer

    /// - Throws: `.internalError` when zstd cannot allocate a context (out of memory).
    init() throws {
        guard let d = ZSTD_createDCtx() else {
            throw LifeboatError(.internalError, "zstd could not allocate a decompression context (out of memory)")
        }
        dctx = d
    }

    deinit { ZSTD_freeDCtx(dctx) }
}
