import Foundation
import LifeboatChunking
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// A stretch of a file (one chunk-list blob, about 2 MiB): its reads grouped by pack,
/// so the chunks a backup left in one pack come back in one read however the file's
/// order interleaves packs.
struct RestoreWindow: Sendable {
    var starts: [Int]
    var size: Int
    var reads: [PackRead]

    /// Reads, decrypts and places every chunk; the result is the window's bytes in order.
    func assemble(repo: Repository) async throws -> [UInt8] {
        // Every byte is written below: the reads cover every chunk of the window.
        var out = BatchBuffers.shared.take()
        out.append(contentsOf: repeatElement(0, count: size))
        for read in reads {
            let data = try await repo.storage.getRange(ObjectName(.data, read.pack.hex), offset: read.offset, length: read.length)
            guard data.count == read.length else {
                throw LifeboatError(.corrupted, "pack data/\(read.pack.hex) is shorter than the index says")
            }
            // Blobs come in frame order, so the members of a frame follow one another.
            var frameOffset = -1
            var frame: [UInt8] = []
            for b in read.blobs {
                if b.offset != frameOffset {
                    let start = data.startIndex + b.offset
                    frame = try repo.openFrame(data[start..<(start + b.length)], binding: b.binding, pack: read.pack)
                    frameOffset = b.offset
                }
                let plain = try repo.member(of: frame, id: b.id, inner: b.inner, rawLength: b.rawLength, pack: read.pack, verifyID: false)
                out.withUnsafeMutableBufferPointer { dst in
                    plain.withUnsafeBufferPointer { src in
                        guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                        (d + starts[b.chunk]).update(from: s, count: src.count)
                    }
                }
            }
        }
        return out
    }
}
