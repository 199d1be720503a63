import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Chunks a page-structured database by page, read straight from the file.
package struct PageFileBatcher: ChunkBatcher {
    package let fd: Int32
    package let path: String
    package let pageSize: Int
    package let pagesPerBatch: Int
    package var offset: Int64 = 0

    /// Reads `path` (open as `fd`) in batches of `pagesPerBatch` pages of `pageSize` bytes.
    package init(fd: Int32, path: String, pageSize: Int, pagesPerBatch: Int) {
        self.fd = fd
        self.path = path
        self.pageSize = pageSize
        self.pagesPerBatch = pagesPerBatch
    }

    package mutating func next() throws -> ChunkBatch? {
        var bytes = BatchBuffers.shared.take()
        bytes.append(contentsOf: repeatElement(0, count: pageSize * pagesPerBatch))
        let n = try bytes.withUnsafeMutableBytes { try FileReading.preadFully(fd, $0, offset: offset, path: path) }
        guard n > 0 else { return nil }
        bytes.removeLast(bytes.count - n)
        offset += Int64(n)
        var lengths = [Int](repeating: pageSize, count: n / pageSize)
        if n % pageSize != 0 { lengths.append(n % pageSize) }
        return ChunkBatch(bytes: bytes, lengths: lengths)
    }
}
