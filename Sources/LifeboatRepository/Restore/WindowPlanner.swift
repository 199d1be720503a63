import Foundation
import LifeboatChunking
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
    /// The read of the next batch of chunk-list blobs (`readAhead` of them, in file order).
    private var ahead: Task<[[ChunkRef]], any Error>?
    /// Chunk lists of a batch already read, in file order.
    private var ready: [[ChunkRef]] = []

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
        ahead?.cancel()
        ahead = nil
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
            if ready.isEmpty {
                if ahead == nil { ahead = readBatch(repo: repo, index: index) }
                guard let batch = ahead else { return nil }
                ready = try await batch.value
                // The next batch is read while this one is restored.
                ahead = readBatch(repo: repo, index: index)
            }
            return ready.isEmpty ? nil : ready.removeFirst()
        }
        if let list = lists.popFirst() {
            return try ChunkList.decode(try await repo.readBlob(list, index: index), name: list.short)
        }
        return nil
    }

    /// Starts reading the next `readAhead` chunk-list blobs, or returns nil after the last.
    private mutating func readBatch(repo: Repository, index: ChunkIndex) -> Task<[[ChunkRef]], any Error>? {
        guard !lists.isEmpty else { return nil }
        let batch = Array(lists.prefix(readAhead))
        lists = lists.dropFirst(batch.count)
        return Task { try await Self.readLists(batch, repo: repo, index: index) }
    }

    /// Reads several chunk-list blobs the way windows read chunks: those lying near each
    /// other in a pack (a backup that changed little writes them side by side) in one
    /// request. Each list's keyed id is checked before it is decoded.
    static func readLists(_ ids: [ObjectID], repo: Repository, index: ChunkIndex) async throws -> [[ChunkRef]] {
        var refs: [ChunkRef] = []
        refs.reserveCapacity(ids.count)
        for id in ids { refs.append(ChunkRef(id: id, length: try await repo.locate(id, index: index).rawLength)) }
        var bytes = try await plan(refs, repo: repo, index: index, readBytes: networkReadBytes).assemble(repo: repo)
        defer { BatchBuffers.shared.give(&bytes) }
        var out: [[ChunkRef]] = []
        out.reserveCapacity(refs.count)
        var at = 0
        for ref in refs {
            let list = Array(bytes[at..<(at + ref.length)])
            at += ref.length
            guard repo.key.chunkID(list) == ref.id else {
                throw LifeboatError(.corrupted, "chunk list \(ref.id.short) is damaged: its content does not match its id")
            }
            out.append(try ChunkList.decode(list, name: ref.id.short))
        }
        return out
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
