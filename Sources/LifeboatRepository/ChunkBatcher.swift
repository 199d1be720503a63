import Foundation
import LifeboatCore
import LifeboatSources
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A run of consecutive chunks of one file, held in one buffer.
struct ChunkBatch: Sendable {
    /// The bytes of the chunks back to back.
    var bytes: [UInt8]
    /// The length of each chunk, in order; they sum to `bytes.count`.
    var lengths: [Int]
}

/// Batch buffers handed back once a batch is committed and reused by the next read, so a
/// backup writes into the same few MiB over and over instead of new memory per batch
/// (which fragments the heap and, on lazily backed virtual machines, costs host faults).
final class BatchBuffers: Sendable {
    private let free = Mutex<[[UInt8]]>([])

    /// The buffers every backup of this process shares.
    static let shared = BatchBuffers()

    /// An empty buffer, with the capacity of an earlier batch when one is free.
    func take() -> [UInt8] { free.withLock { $0.popLast() } ?? [] }

    /// Takes a committed batch's bytes back for reuse (a few are kept).
    func give(_ buffer: inout [UInt8]) {
        var mine: [UInt8] = []
        swap(&mine, &buffer)
        mine.removeAll(keepingCapacity: true)
        free.withLock { if $0.count < 8 { $0.append(mine) } }
    }
}

/// Cuts a file into chunks, a batch at a time, holding a few MiB at most.
protocol ChunkBatcher: Sendable {
    /// The next batch, or nil at the end of the file.
    mutating func next() throws -> ChunkBatch?
}

/// Chunks a page-structured database by page, read straight from the file.
struct PageFileBatcher: ChunkBatcher {
    let fd: Int32
    let path: String
    let pageSize: Int
    let pagesPerBatch: Int
    var offset: Int64 = 0

    mutating func next() throws -> ChunkBatch? {
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

/// Chunks a live SQLite database by page from a consistent snapshot of it.
struct SQLiteBatcher: ChunkBatcher {
    let reader: SQLiteSnapshotReader
    let pagesPerBatch: Int
    var nextPage = 0

    mutating func next() throws -> ChunkBatch? {
        let count = Swift.min(pagesPerBatch, reader.pageCount - nextPage)
        guard count > 0 else { return nil }
        var bytes = BatchBuffers.shared.take()
        try reader.readPages(from: nextPage, count: count, into: &bytes)
        nextPage += count
        return ChunkBatch(bytes: bytes, lengths: [Int](repeating: reader.pageSize, count: count))
    }
}

/// Chunks any other file with content-defined boundaries.
struct ContentDefinedBatcher: ChunkBatcher {
    let fd: Int32
    let path: String
    let chunker: ContentDefinedChunker
    var offset: Int64 = 0
    var carry: [UInt8] = []
    var atEnd = false
    /// Read with `read(2)` from the current position (pipes), not `pread` at an offset.
    let sequential: Bool

    init(fd: Int32, path: String, chunker: ContentDefinedChunker, sequential: Bool = false) {
        self.fd = fd
        self.path = path
        self.chunker = chunker
        self.sequential = sequential
    }

    mutating func next() throws -> ChunkBatch? {
        // Fill to at least two maximal chunks so every cut but the last is final.
        let want = Swift.max(2 << 20, 2 * chunker.maxSize)
        if !atEnd && carry.count < want {
            let have = carry.count
            carry.append(contentsOf: repeatElement(0, count: want - have))
            let n = try carry.withUnsafeMutableBytes { buf in
                let target = UnsafeMutableRawBufferPointer(rebasing: buf[have...])
                return try sequential
                    ? FileReading.readFully(fd, target, path: path) : FileReading.preadFully(fd, target, offset: offset, path: path)
            }
            offset += Int64(n)
            carry.removeLast(want - have - n)
            if n < want - have { atEnd = true }
        }
        guard !carry.isEmpty else { return nil }
        var lengths: [Int] = []
        var start = 0
        carry.withUnsafeBytes { buf in
            while start < buf.count {
                let window = UnsafeRawBufferPointer(rebasing: buf[start...])
                if !atEnd && window.count < chunker.maxSize { break }
                guard let cut = chunker.nextBoundary(in: window, atEndOfInput: atEnd) else { break }
                lengths.append(cut)
                start += cut
            }
        }
        var bytes = BatchBuffers.shared.take()
        bytes.append(contentsOf: carry[0..<start])
        carry.removeFirst(start)
        return ChunkBatch(bytes: bytes, lengths: lengths)
    }
}

/// Positional reads that retry on EINTR and short reads.
enum FileReading {
    /// Reads until the buffer is full or the file ends; returns the bytes read.
    static func preadFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: Int64, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let r = pread(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset) + off_t(done))
            if r < 0 {
                if errno == EINTR { continue }
                throw LifeboatError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if r == 0 { break }
            done += r
        }
        return done
    }

    /// Reads from the current position until the buffer is full or the input ends (pipes).
    static func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let r = read(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done)
            if r < 0 {
                if errno == EINTR { continue }
                throw LifeboatError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if r == 0 { break }
            done += r
        }
        return done
    }
}
