import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A run of consecutive chunks of one file, held in one buffer.
package struct ChunkBatch: Sendable {
    /// The bytes of the chunks back to back.
    package var bytes: [UInt8]
    /// The length of each chunk, in order; they sum to `bytes.count`.
    package var lengths: [Int]
}
