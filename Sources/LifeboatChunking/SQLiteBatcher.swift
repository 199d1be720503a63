import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Chunks a live SQLite database by page from a consistent snapshot of it.
package struct SQLiteBatcher: ChunkBatcher {
    package let reader: SQLiteSnapshotReader
    package let pagesPerBatch: Int
    package var nextPage = 0

    /// Reads the snapshot `reader` holds in batches of `pagesPerBatch` pages.
    package init(reader: SQLiteSnapshotReader, pagesPerBatch: Int) {
        self.reader = reader
        self.pagesPerBatch = pagesPerBatch
    }

    package mutating func next() throws -> ChunkBatch? {
        let count = Swift.min(pagesPerBatch, reader.pageCount - nextPage)
        guard count > 0 else { return nil }
        var bytes = BatchBuffers.shared.take()
        try reader.readPages(from: nextPage, count: count, into: &bytes)
        nextPage += count
        return ChunkBatch(bytes: bytes, lengths: [Int](repeating: reader.pageSize, count: count))
    }
}
