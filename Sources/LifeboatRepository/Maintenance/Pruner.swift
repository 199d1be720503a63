import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// What `prune` removed.
public struct PruneReport: Sendable, Codable {
    /// Packs deleted whole (no blob in them was still used, or left unindexed).
    public var packsDeleted = 0
    /// Packs whose used blobs were copied into new packs before deletion.
    public var packsRewritten = 0
    /// Blobs no snapshot needs any more.
    public var blobsRemoved = 0
    /// Bytes of storage given back.
    public var bytesFreed: Int64 = 0
    /// Index files replaced by a new one.
    public var indexFilesReplaced = 0
    /// Temporary files of writes a crash or kill cut short, deleted once an hour old
    /// (local repositories).
    public var temporaryFilesRemoved = 0

    /// An empty report.
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        packsDeleted = try c.decode(Int.self, forKey: .packsDeleted)
        packsRewritten = try c.decode(Int.self, forKey: .packsRewritten)
        blobsRemoved = try c.decode(Int.self, forKey: .blobsRemoved)
        bytesFreed = try c.decode(Int64.self, forKey: .bytesFreed)
        indexFilesReplaced = try c.decode(Int.self, forKey: .indexFilesReplaced)
        // Reports recorded before this field existed (job results in the catalog) lack it.
        temporaryFilesRemoved = try c.decodeIfPresent(Int.self, forKey: .temporaryFilesRemoved) ?? 0
    }
}

extension Repository {
    /// Deletes data no snapshot needs, under an exclusive lock.
    public func prune(progress: any ProgressReporter = SilentProgress()) async throws -> PruneReport {
        try requireReadable("prune")
        return try await withLock(exclusive: true, operation: "prune") {
            try await self.pruneLocked(progress: progress)
        }
    }

    /// The prune itself; the caller holds the exclusive lock.
    ///
    /// Order keeps the repository whole at every instant: new packs are stored, then index
    /// files listing every kept blob (the last one naming the old files it supersedes), then
    /// old index files are deleted, and only then packs. A kill at any point leaves at worst
    /// unindexed packs, which `check` reports as warnings and the next prune removes, or
    /// blobs listed twice, which is harmless.
    ///
    /// Memory does not grow with the number of blobs: the index and the set of used blobs
    /// are ``ChunkIndex``/``BlobIDSet`` (a fixed table, older keys on disk), index files are
    /// read one at a time (three passes: load, classify each pack, write), and only per-pack
    /// decisions, one pack being rewritten and at most ``Archiver/indexFlushEntries`` new
    /// index entries are held at once.
    func pruneLocked(progress: any ProgressReporter) async throws -> PruneReport {
        var report = PruneReport()
        let (indexIDs, entryBound) = try await indexFiles()
        let stored = Dictionary(try await storage.list(.data).map { ($0.name.name, $0.size) }, uniquingKeysWith: { a, _ in a })

        // Pass 1: the index of stored packs (a blob held by several keeps its first), and
        // which packs more than one index file lists (rare: their entries are merged).
        var blobs = ChunkIndex(capacity: entryBound + 1024)
        var listings: [ObjectID: Int] = [:]
        try await forEachIndexedPack(indexIDs) { pack, entries in
            listings[pack, default: 0] += 1
            guard stored[pack.hex] != nil else { return }  // check reports missing packs
            for e in entries { try blobs.insert(e, pack: pack) }
        }
        try blobs.consolidate()
        let used = try await usedBlobs(index: blobs, capacity: entryBound + 1024)

        // Pass 2: what becomes of each stored pack. A used blob is kept in exactly one place:
        // the pack the index names for it.
        enum Fate { case keep, rewrite, delete }
        var fates: [ObjectID: Fate] = [:]
        var placed = 0
        try await forEachPack(indexIDs, listings: listings) { pack, entries in
            guard stored[pack.hex] != nil else { return }
            let mine = try self.keptEntries(entries, pack: pack, used: used, index: blobs)
            placed += mine.count
            report.blobsRemoved += entries.count - mine.count
            // Plaintext lengths: members of one frame share its sealed length.
            let usedBytes = mine.reduce(0) { $0 + Int($1.rawLength) }
            let allBytes = entries.reduce(0) { $0 + Int($1.rawLength) }
            fates[pack] = mine.isEmpty ? .delete : (usedBytes * 10 < allBytes * 9 ? .rewrite : .keep)
        }
        guard placed >= used.count else {
            throw LifeboatError(
                .corrupted,
                "refusing to prune: \(used.count - placed) blob(s) used by snapshots are in no stored pack; run `lifeboat check`")
        }

        let changes = fates.values.contains { $0 != .keep }
        var written = Set<String>()
        if changes || indexIDs.count > 1 {
            // Pass 3: new packs for the rewritten ones, and the new index, a file at a time.
            var pending = IndexFile()
            var builder = PackBuilder(capacity: config.packSize)
            func flushPack() async throws {
                guard !builder.isEmpty else { return }
                let (id, data, entries) = try builder.finish(key: key)
                try await storage.putUnsynced(ObjectName(.data, id.hex), data)
                pending.packs.append((id, entries))
                written.insert(id.hex)
                builder = PackBuilder(capacity: config.packSize)
            }
            func flushIndex(last: Bool) async throws {
                guard last || pending.entryCount >= Archiver.indexFlushEntries else { return }
                // The packs an index file names are on disk before it.
                try await storage.flush()
                if last { pending.supersedes = indexIDs }
                try await putObject(.index, pending.encode(), compress: false)
                pending = IndexFile()
            }
            try await forEachPack(indexIDs, listings: listings) { pack, entries in
                switch fates[pack] {
                case .keep:
                    pending.packs.append((pack, entries))
                    written.insert(pack.hex)
                case .rewrite:
                    let mine = try self.keptEntries(entries, pack: pack, used: used, index: blobs)
                    try await self.rewrite(pack, all: entries, kept: mine) { sealed, members in
                        builder.appendFrame(sealed, members: members)
                        if builder.size >= self.config.packSize { try await flushPack() }
                    }
                    report.packsRewritten += 1
                case .delete, nil:
                    break
                }
                try await flushIndex(last: false)
            }
            try await flushPack()
            try await flushIndex(last: true)
            for id in indexIDs { try await storage.delete(ObjectName(.index, id.hex)) }
            report.indexFilesReplaced = indexIDs.count
        } else {
            written = Set(fates.keys.map(\.hex))
        }
        // Unused, rewritten and unindexed (orphaned) packs all go; only rewritten ones are
        // counted apart.
        for (name, size) in stored where !written.contains(name) {
            try await storage.delete(ObjectName(.data, name))
            if ObjectID(hex: name).flatMap({ fates[$0] }) != .rewrite { report.packsDeleted += 1 }
            report.bytesFreed += Int64(size)
        }
        // Under the exclusive lock no write of this repository is in flight; an hour of age
        // still spares a writer whose lock was wrongly judged stale.
        if let local = storage as? LocalStorage {
            report.temporaryFilesRemoved = try local.removeStaleTemporaryFiles(olderThan: Self.staleTemporaryAge)
        }
        logger.info(
            "prune finished",
            metadata: ["prune.packs_deleted": "\(report.packsDeleted)", "prune.packs_rewritten": "\(report.packsRewritten)"])
        return report
    }

    /// Calls `body` with every pack of every index file, one file decoded at a time.
    private func forEachIndexedPack(
        _ indexIDs: [ObjectID], _ body: (ObjectID, [PackEntry]) async throws -> Void
    ) async throws {
        for id in indexIDs {
            let file: IndexFile
            do {
                file = try IndexFile.decode(try await getObject(.index, id), name: "index/\(id.hex)")
            } catch let e as LifeboatError where e.code == .corrupted {
                // Its packs would look unindexed and be deleted with their blobs.
                throw LifeboatError(.corrupted, "refusing to prune: \(e.message); run `lifeboat repair index` first", cause: e)
            }
            for pack in file.packs { try await body(pack.id, pack.entries) }
        }
    }

    /// Calls `body` once per pack with all its entries: a pack listed by one index file as
    /// its file is read, one listed by several (rare) after the last file, entries merged.
    private func forEachPack(
        _ indexIDs: [ObjectID], listings: [ObjectID: Int], _ body: (ObjectID, [PackEntry]) async throws -> Void
    ) async throws {
        var merged: [ObjectID: [PackEntry]] = [:]
        try await forEachIndexedPack(indexIDs) { pack, entries in
            if listings[pack, default: 0] > 1 {
                merged[pack, default: []] += entries
            } else {
                try await body(pack, entries)
            }
        }
        for (pack, entries) in merged.sorted(by: { $0.key < $1.key }) { try await body(pack, entries) }
    }

    /// The entries of `pack` that stay: used by a snapshot, and this pack is where the index
    /// places them (each id once).
    private func keptEntries(_ entries: [PackEntry], pack: ObjectID, used: BlobIDSet, index: ChunkIndex) throws -> [PackEntry] {
        guard let number = index.number(of: pack) else { return [] }
        var seen = Set<ObjectID>()
        var mine: [PackEntry] = []
        for e in entries where try used.contains(e.id) && index.packNumber(of: e.id) == number && seen.insert(e.id).inserted {
            mine.append(e)
        }
        return mine
    }

    /// Hands the `kept` blobs of `pack` (whose entries are `all`) to `emit` as sealed frames,
    /// checking every frame before copying it: prune must never spread damage into new packs.
    private func rewrite(
        _ pack: ObjectID, all: [PackEntry], kept entries: [PackEntry], emit: (Data, [FrameMember]) async throws -> Void
    ) async throws {
        let data = try await storage.get(ObjectName(.data, pack.hex))
        let bindings = PackEntry.frameBindings(all)
        var frameSizes: [UInt32: Int] = [:]
        for e in all { frameSizes[e.offset, default: 0] += 1 }
        var frames: [UInt32: [PackEntry]] = [:]
        for e in entries { frames[e.offset, default: []].append(e) }
        for (offset, used) in frames.sorted(by: { $0.key < $1.key }) {
            guard let binding = bindings[offset] else {
                throw LifeboatError(
                    .corrupted, "refusing to prune: pack data/\(pack.hex) has a frame without a first member; run `lifeboat check`")
            }
            let start = data.startIndex + Int(offset)
            guard start + Int(used[0].length) <= data.endIndex else {
                throw LifeboatError(
                    .corrupted, "refusing to prune: pack data/\(pack.hex) is shorter than its index says; run `lifeboat check`")
            }
            let sealed = data[start..<(start + Int(used[0].length))]
            let frame = try openFrame(sealed, binding: binding, pack: pack)
            let members = used.sorted { $0.inner < $1.inner }
            let kept = try members.map {
                try member(of: frame, id: $0.id, inner: Int($0.inner), rawLength: Int($0.rawLength), pack: pack, verifyID: true)
            }
            if used.count == frameSizes[offset] {
                // Every member is kept: the sealed frame moves as it is.
                try await emit(
                    Data(sealed), members.map { FrameMember(type: $0.type, id: $0.id, rawLength: Int($0.rawLength), inner: Int($0.inner)) })
            } else {
                // Only some members are kept: they become a new, smaller frame.
                var inner = 0
                var newMembers: [FrameMember] = []
                for m in members {
                    newMembers.append(FrameMember(type: m.type, id: m.id, rawLength: Int(m.rawLength), inner: inner))
                    inner += Int(m.rawLength)
                }
                let context = try Compression.compressionContexts.take()
                let plain = Array(kept.joined())
                let payload = plain.withUnsafeBytes { Compression.encode($0, context: context) }
                Compression.compressionContexts.give(context)
                try await emit(try key.seal(payload, binding: newMembers[0].id), newMembers)
            }
        }
    }

    /// Age after which prune deletes a `.tmp-` file of a local repository.
    static let staleTemporaryAge: TimeInterval = 3600

    /// Every blob any snapshot needs: trees, chunk lists and chunks, in a set that keeps
    /// its older ids on disk; a large file's chunk list is read a list blob at a time.
    func usedBlobs(index: ChunkIndex, capacity: Int) async throws -> BlobIDSet {
        var used = BlobIDSet(capacity: capacity)
        for id in try await listIDs(.snapshots) {
            let record: SnapshotRecord
            do {
                record = try await loadSnapshot(id)
            } catch {
                throw LifeboatError(.corrupted, "refusing to prune: snapshot \(id.short) cannot be read (\(error)); run `lifeboat check`")
            }
            try await collect(record.snapshot.tree, index: index, into: &used)
        }
        return used
    }

    private func collect(_ tree: ObjectID, index: ChunkIndex, into used: inout BlobIDSet) async throws {
        guard try used.insert(tree) else { return }
        for node in try await loadTree(tree, index: index).nodes {
            switch node.type {
            case .directory:
                if let sub = node.subtree { try await collect(sub, index: index, into: &used) }
            case .file:
                for ref in node.chunks ?? [] { try used.insert(ref.id) }
                for list in node.chunkLists ?? [] where try used.insert(list) {
                    for ref in try ChunkList.decode(try await readBlob(list, index: index, cacheHeader: false), name: list.short) {
                        try used.insert(ref.id)
                    }
                }
            case .symlink:
                break
            }
        }
    }
}
