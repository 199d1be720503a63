import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a file's chunk list into restore windows, one chunk-list blob at a time, so a
/// huge file never has its whole list in memory.
struct WindowPlanner {
    /// Largest span read at once.
    static let readBytes = 1 << 20
    /// The same on network storage, where every request costs a round trip (and, on some
    /// servers, a read of the whole object): a pack (about 4 MiB) in one read.
    static let networkReadBytes = 8 << 20
    /// Unwanted bytes a read may span to join two wanted blobs of the same pack.
    static let gapBytes = 64 << 10

    private var inline: [ChunkRef]?
    private var lists: ArraySlice<ObjectID>
    /// How many chunk-list blobs are read ahead of the one asked for (0: none).
    private let readAhead: Int
    /// The reads of the next chunk-list blobs, in file order.
    private var ahead: [Task<[ChunkRef], any Error>] = []

    /// - Parameter readAhead: chunk-list blobs to read ahead while the caller works on the
    ///   current one; on network storage each read is a round trip, and without reading ahead
    ///   the restore waits for one before it can start each window.
    init(node: TreeNode, readAhead: Int = 0) {
        inline = node.chunks ?? (node.chunkLists == nil ? [] : nil)
        lists = (node.chunkLists ?? [])[...]
        self.readAhead = readAhead
    }

    /// Stops the reads ahead that nobody will ask for (the restore failed).
    mutating func cancel() {
        for task in ahead { task.cancel() }
        ahead = []
    }

    /// The next window, planned, or nil after the last.
    mutating func next(repo: Repository, index: ChunkIndex) async throws -> RestoreWindow? {
        guard let refs = try await nextRefs(repo: repo, index: index) else { return nil }
        return try await Self.plan(refs, repo: repo, index: index)
    }

    /// The chunk references of the next window, or nil after the last.
    mutating func nextRefs(repo: Repository, index: ChunkIndex) async throws -> [ChunkRef]? {
        if let inline {
            self.inline = nil
            return inline
        }
        if readAhead > 0 {
            while ahead.count <= readAhead, let list = lists.popFirst() {
                ahead.append(Task { try ChunkList.decode(try await repo.readBlob(list, index: index), name: list.short) })
            }
            guard !ahead.isEmpty else { return nil }
            return try await ahead.removeFirst().value
        }
        if let list = lists.popFirst() {
            return try ChunkList.decode(try await repo.readBlob(list, index: index), name: list.short)
        }
        return nil
    }

    /// The window for `refs`: their places in the assembled bytes and the pack reads.
    static func plan(
        _ refs: [ChunkRef], repo: Repository, index: ChunkIndex, readBytes: Int = WindowPlanner.readBytes
    ) async throws -> RestoreWindow {
        var starts: [Int] = []
        starts.reserveCapacity(refs.count)
        var size = 0
        var byPack: [ObjectID: [(chunk: Int, loc: BlobLocation, ref: ChunkRef)]] = [:]
        for (i, ref) in refs.enumerated() {
            starts.append(size)
            size += ref.length
            let loc = try await repo.locate(ref.id, index: index)
            byPack[loc.pack, default: []].append((i, loc, ref))
        }
        var reads: [PackRead] = []
        for (pack, wanted) in byPack.sorted(by: { $0.key < $1.key }) {
            var current: PackRead?
            for w in wanted.sorted(by: { ($0.loc.offset, $0.loc.inner) < ($1.loc.offset, $1.loc.inner) }) {
                guard w.loc.rawLength == w.ref.length else {
                    throw LifeboatError(
                        .corrupted,
                        "blob \(w.ref.id.short) in pack data/\(pack.hex) is \(w.loc.rawLength) bytes, the file lists \(w.ref.length)")
                }
                if var r = current, w.loc.offset >= r.offset, w.loc.offset - (r.offset + r.length) <= Self.gapBytes,
                    w.loc.offset + w.loc.length - r.offset <= readBytes
                {
                    r.length = Swift.max(r.length, w.loc.offset + w.loc.length - r.offset)
                    r.blobs.append(ReadBlob(w, from: r.offset))
                    current = r
                } else {
                    if let r = current { reads.append(r) }
                    current = PackRead(pack: pack, offset: w.loc.offset, length: w.loc.length, blobs: [ReadBlob(w, from: w.loc.offset)])
                }
            }
            if let r = current { reads.append(r) }
        }
        return RestoreWindow(starts: starts, size: size, reads: reads)
    }
}
