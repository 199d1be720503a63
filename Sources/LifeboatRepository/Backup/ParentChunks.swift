import LifeboatCore

/// The chunk ids of a file's version in the parent snapshot, read a chunk-list blob at a
/// time in step with the new version's chunks.
///
/// A database page whose id equals the parent's page at the same position is already
/// stored (the parent snapshot references it, and no prune runs while a backup holds its
/// lock), so the backup takes it without an index lookup. After a 1 % row update about
/// 95 % of a node's pages are such pages; on a large repository, where older index keys
/// live on disk, that saves a block read per page. Ids that differ (changed, moved or new
/// pages) still go through the index. Memory: at most two list blobs (1,024 ids).
struct ParentChunks {
    private var inline: [ChunkRef]?
    private var lists: ArraySlice<ObjectID>
    /// Parent chunks from file position `windowStart` on.
    private var window: [ChunkRef] = []
    private var windowStart = 0

    /// The cursor over a parent file node's chunks, or nil when it has none.
    init?(_ node: TreeNode?) {
        guard let node, node.type == .file else { return nil }
        if let chunks = node.chunks {
            guard !chunks.isEmpty else { return nil }
            inline = chunks
            lists = []
        } else if let chunkLists = node.chunkLists, !chunkLists.isEmpty {
            lists = chunkLists[...]
        } else {
            return nil
        }
    }

    /// The parent's chunk ids at file positions `first ..< first + count` (nil past the
    /// parent's end). Positions must not go backwards between calls.
    mutating func ids(from first: Int, count: Int, repo: Repository, index: ChunkIndex) async -> [ObjectID?] {
        if let inline {
            return (first..<(first + count)).map { $0 < inline.count ? inline[$0].id : nil }
        }
        // Drop what lies before `first`, then read list blobs until the range is covered.
        let drop = Swift.min(Swift.max(0, first - windowStart), window.count)
        window.removeFirst(drop)
        windowStart += drop
        while windowStart + window.count < first + count, let next = lists.popFirst() {
            let refs: [ChunkRef]
            do {
                refs = try ChunkList.decode(try await repo.readBlob(next, index: index, cacheHeader: false), name: next.short)
            } catch {
                // A parent list that cannot be read only costs the shortcut: every page goes
                // through the index (and is stored again if the repository lost it).
                lists = []
                window = []
                break
            }
            if windowStart + window.count <= first {
                // A whole list blob before the range (positions skipped ahead).
                windowStart += window.count + refs.count
                window = []
                if windowStart > first {
                    window = Array(refs.suffix(windowStart - first))
                    windowStart = first
                }
            } else {
                window += refs
            }
        }
        return (first..<(first + count)).map { p in
            let i = p - windowStart
            return i >= 0 && i < window.count ? window[i].id : nil
        }
    }
}
