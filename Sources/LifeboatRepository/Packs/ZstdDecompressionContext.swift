import CZstd
import Foundation
import LifeboatCore
import Synchronization

/// A reusable zstd decompression context; one task uses it at a time.
final class ZstdDecompressionContext: @unchecked Sendable {
    // Safe because the pool hands each context to one task at a time.
    let dctx: OpaquePointer

    init() {
        guard let d = ZSTD_createDCtx() else { fatalError("zstd: out of memory creating a context") }
        dctx = d
    }

    deinit { ZSTD_freeDCtx(dctx) }
}
