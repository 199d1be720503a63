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
        try await withLock(exclusive: true, operation: "prune") {
            try await self.pruneLocked(progress: progress)
        }
    }

    /// The prune itself; the caller holds the exclusive lock.
    ///
    /// Order keeps the repository whole at every instant: new packs are stored, then an
    /// index listing every kept blob, then old index files are deleted, and only then
    /// packs. A kill at any point leaves at worst unindexed packs, which `check` reports
    /// as warnings and the next prune removes.
    func pruneLocked(progress: any ProgressReporter) async throws -> PruneReport {
        var report = PruneReport()
        let indexIDs = try await listIDs(.index)
        var packs: [ObjectID: [PackEntry]] = [:]
        var blobs = ChunkIndex(capacity: 1024)
        for id in indexIDs {
            let file = try IndexFile.decode(try await getObject(.index, id), name: "index/\(id.hex)")
            for pack in file.packs {
                packs[pack.id, default: []] += pack.entries
                for e in pack.entries { try blobs.insert(e, pack: pack.id) }
            }
        }
        let used = try await usedBlobs(index: blobs)
        let stored = Dictionary(try await storage.list(.data).map { ($0.name.name, $0.size) }, uniquingKeysWith: { a, _ in a })

        // Each used blob is kept in exactly one place: the first pack that holds it.
        var placed = Set<ObjectID>()
        var keep: [(ObjectID, [PackEntry])] = []
        var rewrite: [(ObjectID, [PackEntry])] = []
        var delete: [ObjectID] = []
        for (pack, entries) in packs.sorted(by: { $0.key < $1.key }) {
            guard stored[pack.hex] != nil else { continue }  // check reports missing packs
            var mine: [PackEntry] = []
            for e in entries where used.contains(e.id) && !placed.contains(e.id) {
                mine.append(e)
                placed.insert(e.id)
            }
            // Plaintext lengths: members of one frame share its sealed length.
            let usedBytes = mine.reduce(0) { $0 + Int($1.rawLength) }
            let allBytes = entries.reduce(0) { $0 + Int($1.rawLength) }
            report.blobsRemoved += entries.count - mine.count
            if mine.isEmpty {
                delete.append(pack)
            } else if usedBytes * 10 < allBytes * 9 {
                rewrite.append((pack, mine))
            } else {
                keep.append((pack, entries))
            }
        }
        if let missing = used.first(where: { !placed.contains($0) }) {
            throw LifeboatError(
                .corrupted, "refusing to prune: blob \(missing.short), used by a snapshot, is in no stored pack; run `lifeboat check`")
        }

        var newIndex = IndexFile(supersedes: indexIDs)
        for (pack, entries) in keep { newIndex.packs.append((pack, entries)) }
        var builder = PackBuilder(capacity: config.packSize)
        func flush() async throws {
            guard !builder.isEmpty else { return }
            let (id, data, entries) = try builder.finish(key: key)
            try await storage.putUnsynced(ObjectName(.data, id.hex), data)
            newIndex.packs.append((id, entries))
            builder = PackBuilder(capacity: config.packSize)
        }
        for (pack, entries) in rewrite {
            let data = try await storage.get(ObjectName(.data, pack.hex))
            let all = packs[pack] ?? entries
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
                let sealed = data[start..<(start + Int(used[0].length))]
                // Verify before copying: prune must never spread damage into new packs.
                let frame = try openFrame(sealed, binding: binding, pack: pack)
                let members = used.sorted { $0.inner < $1.inner }
                let kept = try members.map {
                    try member(of: frame, id: $0.id, inner: Int($0.inner), rawLength: Int($0.rawLength), pack: pack, verifyID: true)
                }
                if used.count == frameSizes[offset] {
                    // Every member is kept: the sealed frame moves as it is.
                    builder.appendFrame(
                        Data(sealed),
                        members: members.map { FrameMember(type: $0.type, id: $0.id, rawLength: Int($0.rawLength), inner: Int($0.inner)) })
                } else {
                    // Only some members are kept: they become a new, smaller frame.
                    var inner = 0
                    var newMembers: [FrameMember] = []
                    for m in members {
                        newMembers.append(FrameMember(type: m.type, id: m.id, rawLength: Int(m.rawLength), inner: inner))
                        inner += Int(m.rawLength)
                    }
                    let context = Compression.compressionContexts.take()
                    let plain = Array(kept.joined())
                    let payload = plain.withUnsafeBytes { Compression.encode($0, context: context) }
                    Compression.compressionContexts.give(context)
                    builder.appendFrame(try key.seal(payload, binding: newMembers[0].id), members: newMembers)
                }
                if builder.size >= config.packSize { try await flush() }
            }
            report.packsRewritten += 1
        }
        try await flush()

        if !delete.isEmpty || !rewrite.isEmpty || indexIDs.count > 1 {
            try await storage.flush()
            try await putObject(.index, newIndex.encode(), compress: false)
            for id in indexIDs { try await storage.delete(ObjectName(.index, id.hex)) }
            report.indexFilesReplaced = indexIDs.count
        }
        // Unused, rewritten and unindexed (orphaned) packs all go; only rewritten ones are
        // counted apart.
        let indexedNow = Set(newIndex.packs.map { $0.id.hex })
        let rewritten = Set(rewrite.map { $0.0.hex })
        for (name, size) in stored where !indexedNow.contains(name) {
            try await storage.delete(ObjectName(.data, name))
            if !rewritten.contains(name) { report.packsDeleted += 1 }
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

    /// Age after which prune deletes a `.tmp-` file of a local repository.
    static let staleTemporaryAge: TimeInterval = 3600

    /// Every blob any snapshot needs: trees, chunk lists and chunks.
    func usedBlobs(index: ChunkIndex) async throws -> Set<ObjectID> {
        var used = Set<ObjectID>()
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

    private func collect(_ tree: ObjectID, index: ChunkIndex, into used: inout Set<ObjectID>) async throws {
        guard used.insert(tree).inserted else { return }
        for node in try await loadTree(tree, index: index).nodes {
            switch node.type {
            case .directory:
                if let sub = node.subtree { try await collect(sub, index: index, into: &used) }
            case .file:
                for list in node.chunkLists ?? [] { used.insert(list) }
                for ref in try await chunks(of: node, index: index) { used.insert(ref.id) }
            case .symlink:
                break
            }
        }
    }
}
