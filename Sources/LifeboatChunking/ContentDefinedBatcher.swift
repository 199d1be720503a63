import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Chunks any other file with content-defined boundaries.
package struct ContentDefinedBatcher: ChunkBatcher {
    package let fd: Int32
    package let path: String
    package let chunker: ContentDefinedChunker
    package var offset: Int64 = 0
    package var carry: [UInt8] = []
    package var atEnd = false
    /// Read with `read(2)` from the current position (pipes), not `pread` at an offset.
    package let sequential: Bool

    package init(fd: Int32, path: String, chunker: ContentDefinedChunker, sequential: Bool = false) {
        self.fd = fd
        self.path = path
        self.chunker = chunker
        self.sequential = sequential
    }

    package mutating func next() throws -> ChunkBatch? {
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
