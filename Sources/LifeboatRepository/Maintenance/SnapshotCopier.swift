import Foundation
import LifeboatCore
import LifeboatCrypto

/// Copies snapshots from one repository to another, re-keying every blob (see
/// ``Repository/copy(_:to:progress:)``).
final class SnapshotCopier {
    let source: Repository
    let target: Repository
    let sourceIndex: ChunkIndex
    let sink: BlobSink
    let progress: any ProgressReporter
    /// Source chunk id → target chunk id, for chunks already in the target.
    var chunkMap: [ObjectID: ObjectID] = [:]
    /// Source tree id → target tree id, for trees already in the target.
    var treeMap: [ObjectID: ObjectID] = [:]
    var result = CopyResult()
    var bytesDone: Int64 = 0

    init(source: Repository, target: Repository, progress: any ProgressReporter) async throws {
        self.source = source
        self.target = target
        self.progress = progress
        sourceIndex = try await source.loadIndex()
        sink = try await BlobSink(repo: target)
    }

    func run(_ snapshots: [SnapshotRecord]) async throws -> CopyResult {
        let existing = try await target.snapshots()
        var copies: [ObjectID: SnapshotRecord] = [:]
        for r in existing {
            if let origin = r.snapshot.origin, origin.repository == source.config.id { copies[origin.snapshot] = r }
        }
        let targetIDs = Set(existing.map(\.id))
        try await learn(from: existing, copies: copies)
        for record in snapshots {
            if let done = copies[record.id] {
                result.skipped.append(
                    CopiedSnapshot(source: record.id, target: done.id, time: record.snapshot.time, node: record.snapshot.node))
                continue
            }
            // A snapshot that was itself copied from the target is already there.
            if let origin = record.snapshot.origin, origin.repository == target.config.id, targetIDs.contains(origin.snapshot) {
                result.skipped.append(
                    CopiedSnapshot(source: record.id, target: origin.snapshot, time: record.snapshot.time, node: record.snapshot.node))
                continue
            }
            var snapshot = record.snapshot
            snapshot.tree = try await copyTree(record.snapshot.tree)
            snapshot.parent = record.snapshot.parent.flatMap { copies[$0]?.id }
            snapshot.origin = Snapshot.Origin(repository: source.config.id, snapshot: record.id)
            // The manifest is the commit point: everything it names is stored and indexed first.
            try await sink.flush()
            let id = try await target.saveSnapshot(snapshot)
            copies[record.id] = SnapshotRecord(id: id, snapshot: snapshot)
            result.copied.append(CopiedSnapshot(source: record.id, target: id, time: snapshot.time, node: snapshot.node))
            target.logger.info("snapshot copied", metadata: ["snapshot.source": "\(record.id.short)", "snapshot.id": "\(id.short)"])
        }
        result.blobsAdded = sink.blobsAdded
        result.bytesAdded = sink.bytesAdded
        result.bytesStored = sink.bytesStored
        return result
    }

    // MARK: Id maps from earlier copies

    /// Maps source ids to target ids from the latest earlier copy of each node and kind,
    /// whose trees match their source's entry for entry, so unchanged chunks are not read again.
    private func learn(from existing: [SnapshotRecord], copies: [ObjectID: SnapshotRecord]) async throws {
        var latest: [String: (source: ObjectID, copy: SnapshotRecord)] = [:]
        for (sourceID, copy) in copies {
            let key = "\(copy.snapshot.node ?? "")\u{0}\(copy.snapshot.kind.rawValue)"
            if let known = latest[key], known.copy.snapshot.time >= copy.snapshot.time { continue }
            latest[key] = (sourceID, copy)
        }
        for (sourceID, copy) in latest.values {
            guard let original = try? await source.loadSnapshot(sourceID), try sink.index.contains(copy.snapshot.tree),
                try sourceIndex.contains(original.snapshot.tree)
            else { continue }
            try await learnTree(original.snapshot.tree, copy.snapshot.tree)
        }
    }

    private func learnTree(_ sourceID: ObjectID, _ targetID: ObjectID) async throws {
        guard treeMap[sourceID] == nil else { return }
        let a = try await source.loadTree(sourceID, index: sourceIndex)
        let b = try await target.loadTree(targetID, index: sink.index)
        guard a.nodes.count == b.nodes.count else { return }
        treeMap[sourceID] = targetID
        for (x, y) in zip(a.nodes, b.nodes) where x.name == y.name && x.type == y.type {
            if x.type == .directory, let s = x.subtree, let t = y.subtree {
                try await learnTree(s, t)
            } else if x.type == .file, x.sha256 == y.sha256 {
                let xs = try await source.chunks(of: x, index: sourceIndex)
                let ys = try await target.chunks(of: y, index: sink.index)
                guard xs.count == ys.count else { continue }
                for (c, d) in zip(xs, ys) { chunkMap[c.id] = d.id }
            }
        }
    }

    // MARK: Copying

    private func copyTree(_ id: ObjectID) async throws -> ObjectID {
        if let known = treeMap[id], try sink.has(known) { return known }
        let tree = try await source.loadTree(id, index: sourceIndex)
        var nodes: [TreeNode] = []
        nodes.reserveCapacity(tree.nodes.count)
        for var node in tree.nodes {
            switch node.type {
            case .directory:
                if let sub = node.subtree { node.subtree = try await copyTree(sub) }
            case .file:
                try await copyFile(&node)
            case .symlink:
                break
            }
            nodes.append(node)
        }
        let copied = try await sink.storeTree(Tree(nodes: nodes))
        treeMap[id] = copied
        return copied
    }

    /// Rewrites a file node's chunk list with target ids, storing the chunks the target lacks.
    private func copyFile(_ node: inout TreeNode) async throws {
        var refs: [ChunkRef] = []
        var lists: [ObjectID] = []
        var sha = StreamingSHA256()
        var hashedAll = true
        var pending: [ChunkRef] = []
        func spill(final: Bool) async throws {
            while pending.count >= ChunkList.entriesPerBlob || (final && !pending.isEmpty) {
                let take = Swift.min(ChunkList.entriesPerBlob, pending.count)
                lists.append(try await sink.store(type: .tree, ChunkList.encode(pending[0..<take])[...]))
                pending.removeFirst(take)
            }
        }
        let inline = node.chunks != nil
        for window in try await sourceWindows(of: node) {
            let mapped = try window.compactMap { ref in
                try chunkMap[ref.id].flatMap { try sink.has($0) ? ChunkRef(id: $0, length: ref.length) : nil }
            }
            var out: [ChunkRef]
            if mapped.count == window.count {
                out = mapped
                hashedAll = false
            } else {
                let plan = try await WindowPlanner.plan(window, repo: source, index: sourceIndex)
                let bytes = try await plan.assemble(repo: source)
                bytes.withUnsafeBytes { sha.update($0) }
                out = []
                out.reserveCapacity(window.count)
                for (i, ref) in window.enumerated() {
                    let start = plan.starts[i]
                    let id = try await sink.store(type: .data, bytes[start..<(start + ref.length)])
                    chunkMap[ref.id] = id
                    out.append(ChunkRef(id: id, length: ref.length))
                }
            }
            bytesDone += out.reduce(0) { $0 + Int64($1.length) }
            progress.report(
                ProgressEvent(phase: "copy", bytesDone: bytesDone, bytesTotal: 0, filesDone: 0, filesTotal: 0, current: node.name))
            if inline {
                refs += out
            } else {
                pending += out
                try await spill(final: false)
            }
        }
        if hashedAll, let expected = node.sha256, sha.finalizeHex() != expected {
            throw LifeboatError(
                .corrupted,
                "\(node.name): its chunks in the source repository do not add up to its recorded SHA-256; run `lifeboat check --read-data` there"
            )
        }
        if inline {
            node.chunks = refs
        } else {
            try await spill(final: true)
            node.chunkLists = lists
        }
    }

    /// A file's chunk references, one window per chunk-list blob (or one for an inline list).
    private func sourceWindows(of node: TreeNode) async throws -> [[ChunkRef]] {
        if let inline = node.chunks { return [inline] }
        var out: [[ChunkRef]] = []
        for list in node.chunkLists ?? [] {
            out.append(try ChunkList.decode(try await source.readBlob(list, index: sourceIndex), name: list.short))
        }
        return out
    }
}
