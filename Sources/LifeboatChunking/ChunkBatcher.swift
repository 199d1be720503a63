import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Cuts a file into chunks, a batch at a time, holding a few MiB at most.
package protocol ChunkBatcher: Sendable {
    /// The next batch, or nil at the end of the file.
    mutating func next() throws -> ChunkBatch?
}
