import CZstd
import Foundation
import LifeboatCore
import Synchronization

/// Compression contexts shared by the pipeline's workers, each used by one at a time.
final class ZstdContextPool: Sendable {
    private let free = Mutex<[ZstdContext]>([])

    /// A context for exclusive use until given back.
    func take() throws -> ZstdContext {
        try free.withLock { $0.popLast() } ?? ZstdContext()
    }

    /// Returns a context for reuse.
    func give(_ context: ZstdContext) {
        free.withLock { $0.append(context) }
    }
}
