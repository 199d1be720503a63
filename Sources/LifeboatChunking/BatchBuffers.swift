import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Batch buffers handed back once a batch is committed and reused by the next read, so a
/// backup writes into the same few MiB over and over instead of new memory per batch
/// (which fragments the heap and, on lazily backed virtual machines, costs host faults).
package final class BatchBuffers: Sendable {
    private let free = Mutex<[[UInt8]]>([])

    /// The buffers every backup of this process shares.
    package static let shared = BatchBuffers()

    /// An empty buffer, with the capacity of an earlier batch when one is free.
    package func take() -> [UInt8] { free.withLock { $0.popLast() } ?? [] }

    /// Takes a committed batch's bytes back for reuse (a few are kept).
    package func give(_ buffer: inout [UInt8]) {
        var mine: [UInt8] = []
        swap(&mine, &buffer)
        mine.removeAll(keepingCapacity: true)
        free.withLock { if $0.count < 8 { $0.append(mine) } }
    }
}
