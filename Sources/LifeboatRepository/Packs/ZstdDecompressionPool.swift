import CZstd
import Foundation
import LifeboatCore
import Synchronization

/// Decompression contexts shared by restore and check workers.
final class ZstdDecompressionPool: Sendable {
    private let free = Mutex<[ZstdDecompressionContext]>([])

    /// A context for exclusive use until given back.
    func take() throws -> ZstdDecompressionContext {
        try free.withLock { $0.popLast() } ?? ZstdDecompressionContext()
    }

    func give(_ context: ZstdDecompressionContext) {
        free.withLock { $0.append(context) }
    }
}
