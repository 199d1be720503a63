import Foundation
import LifeboatChunking
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A pack that finished uploading.
struct UploadedPack: Sendable {
    var id: ObjectID
    var entries: [PackEntry]
    var size: Int
}

/// Walks the given paths, cuts files into chunks, stores new chunks in packs and
/// writes the trees, index and finally the snapshot.
final class Archiver {
    typealias Uploads = ThrowingTaskGroup<UploadedPack, any Error>

    let repo: Repository
    let options: BackupOptions
    let paths: [String]
    let progress: any ProgressReporter
    let started = Date()
    let chunker: ContentDefinedChunker
    let contexts = ZstdContextPool()

    var index: ChunkIndex
    var parent: SnapshotRecord?
    var pack: OpenPack
    /// Blobs in the open pack or in packs still being uploaded: stored, but not yet indexed.
    var pendingIDs = Set<ObjectID>()
    var inFlight = 0
    var pendingIndex = IndexFile()
    var summary = Snapshot.Summary()
    var warnings: [String] = []
    var totalBytes: Int64 = 0
    var totalFiles = 0
    var doneBytes: Int64 = 0

    static let maxUploadsInFlight = 1
    static let indexFlushEntries = 32_768
    static let batchBytes = 1 << 20
    /// Parts a batch is split into for hashing and sealing (more than cores, for balance).
    static let parts = 4

    init(repository: Repository, options: BackupOptions, paths: [String], progress: any ProgressReporter) async throws {
        repo = repository
        self.options = options
        self.paths = paths
        self.progress = progress
        let config = repository.config
        chunker = try ContentDefinedChunker(minSize: config.chunkMin, averageSize: config.chunkAverage, maxSize: config.chunkMax)
        pack = OpenPack(storage: repository.storage, capacity: config.packSize)
        if repository.isWriteOnly {
            // A write-only host reads nothing it did not write: no parent, its own index files.
            index = try await repository.loadWriteOnlyIndex()
            parent = nil
        } else {
            index = try await repository.loadIndex()
            parent = try await repository.snapshots().last {
                $0.snapshot.node == options.node && $0.snapshot.kind == options.kind && $0.snapshot.paths == paths
            }
        }
    }

    func run() async throws -> BackupResult {
        for p in paths { try scan(p) }
        // The index's filter sized for every page of the source as a new blob (and one
        // chunk-list blob per 512 pages), so it stays selective to the end.
        let pages = Int(totalBytes / 4096)
        try index.reserve(Swift.max(1024, pages + pages / 64 + 1024 - index.count))
        var parentNodes: [String: TreeNode] = [:]
        if let parent, try index.contains(parent.snapshot.tree) {
            for node in try await repo.loadTree(parent.snapshot.tree, index: index).nodes { parentNodes[node.name] = node }
        }
        let rootID: ObjectID = try await withThrowingTaskGroup(of: UploadedPack.self) { uploads in
            var streamed: [([String], TreeNode)] = []
            for entry in options.streams {
                let parts = try entry.components()
                streamed.append((parts, try await archive(stream: entry, name: parts[parts.count - 1], uploads: &uploads)))
            }
            var nodes: [TreeNode] = []
            let base = options.root.map(Self.absolutePath)
            if base != nil || !streamed.isEmpty || !options.closingStreams.isEmpty {
                var layout = try Self.Layout.build(paths, root: base)
                for (parts, node) in streamed { try Self.Layout.insert(&layout, parts[...], .node(node)) }
                for entry in options.closingStreams { try Self.Layout.insert(&layout, try entry.components()[...], .closing(entry)) }
                nodes = try await archive(layout: layout, directory: base, relative: "", parents: parentNodes, uploads: &uploads)
            } else {
                for p in paths {
                    let name = (p as NSString).lastPathComponent
                    if let node = try await archive(path: p, name: name, relative: name, parent: parentNodes[name], uploads: &uploads) {
                        nodes.append(node)
                    }
                }
            }
            let root = try await storeTree(Tree(nodes: nodes), uploads: &uploads)
            try await finishPack(uploads: &uploads)
            while let done = try await uploads.next() { try await uploaded(done) }
            return root
        }
        try await flushIndex()
        summary.seconds = Date().timeIntervalSince(started)
        let streamPaths = (options.streams + options.closingStreams).map(\.path)
        let snapshot = Snapshot(
            time: started, host: ProcessInfo.processInfo.hostName,
            username: ProcessInfo.processInfo.environment["USER"] ?? "unknown", tags: options.tags,
            node: options.node, kind: options.kind, paths: paths, tree: rootID, parent: parent?.id, summary: summary,
            program: "lifeboat \(LifeboatVersion.current)",
            streams: streamPaths.isEmpty ? nil : streamPaths)
        // A cancelled job (daemon shutdown, operator cancel) never commits its snapshot.
        try Task.checkCancellation()
        let id = try await repo.saveSnapshot(snapshot)
        repo.logger.info("snapshot saved", metadata: ["snapshot.id": "\(id.short)", "snapshot.files": "\(summary.files)"])
        return BackupResult(id: id, snapshot: snapshot, warnings: warnings)
    }

    /// Adds up sizes for the progress total.
    private func scan(_ path: String) throws {
        let meta = try FileMetadata.lstat(path)
        switch meta.kind {
        case .file:
            totalBytes += meta.size
            totalFiles += 1
        case .directory:
            for name in (try? FileMetadata.list(path)) ?? [] { try? scan(path + "/" + name) }
        default: break
        }
    }

    // MARK: Walking

    /// Archives a streamed entry: its producer's bytes chunked as they arrive. Any failure,
    /// the producer's included, fails the backup (after stopping the producer).
    func archive(stream entry: StreamEntry, name: String, uploads: inout Uploads) async throws -> TreeNode {
        var node = TreeNode(name: name, type: .file, mode: entry.mode, mtime: Date().timeIntervalSince1970)
        summary.files += 1
        summary.filesRead += 1
        let produced = try await entry.producer.start()
        do {
            let batcher = ContentDefinedBatcher(fd: produced.fd, path: entry.path, chunker: chunker, sequential: true)
            try await archiveContent(batcher, relative: entry.path, node: &node, uploads: &uploads)
            try await produced.finish()
        } catch {
            await produced.cancel()
            repo.logger.warning("streamed entry failed", metadata: ["entry.path": "\(entry.path)"])
            throw LifeboatError.wrap(error, "streamed entry \(entry.path)")
        }
        node.capturedAt = Date()
        node.mtime = node.capturedAt?.timeIntervalSince1970 ?? node.mtime
        return node
    }

    func archive(path: String, name: String, relative: String, parent: TreeNode?, uploads: inout Uploads) async throws -> TreeNode? {
        let meta: FileMetadata
        do {
            meta = try FileMetadata.lstat(path)
        } catch let e as LifeboatError {
            warnings.append(e.message)
            return nil
        }
        var node = TreeNode(name: name, type: .file, mode: meta.mode, mtime: meta.mtime)
        switch meta.kind {
        case .directory:
            node.type = .directory
            summary.directories += 1
            let children: [String]
            do {
                children = try FileMetadata.list(path)
            } catch let e as LifeboatError {
                warnings.append(e.message)
                children = []
            }
            var parentChildren: [String: TreeNode] = [:]
            if let sub = parent?.subtree, parent?.type == .directory, try index.contains(sub) {
                for n in try await repo.loadTree(sub, index: index).nodes { parentChildren[n.name] = n }
            }
            let skipped = Self.databaseSidecars(in: path, names: children)
            var nodes: [TreeNode] = []
            for child in children where !skipped.contains(child) {
                if let n = try await archive(
                    path: path + "/" + child, name: child, relative: relative + "/" + child, parent: parentChildren[child],
                    uploads: &uploads)
                {
                    nodes.append(n)
                }
            }
            node.subtree = try await storeTree(Tree(nodes: nodes), uploads: &uploads)
        case .symlink:
            node.type = .symlink
            do {
                node.target = try FileMetadata.readLink(path)
            } catch let e as LifeboatError {
                warnings.append(e.message)
                return nil
            }
        case .file:
            do {
                try await archiveFile(path: path, relative: relative, meta: meta, parent: parent, node: &node, uploads: &uploads)
            } catch let e as LifeboatError where e.code == .io || e.code == .notFound || e.code == .locked {
                warnings.append(e.message)
                return nil
            }
        case .other:
            warnings.append("skipped \(path): not a regular file, directory or symlink")
            return nil
        }
        return node
    }

    /// SQLite `-wal`, `-shm` and `-journal` files next to a database: the captured
    /// image of the database already contains what they hold.
    static func databaseSidecars(in dir: String, names: [String]) -> Set<String> {
        let present = Set(names)
        var out = Set<String>()
        for name in names {
            for suffix in ["-wal", "-shm", "-journal"] where name.hasSuffix(suffix) {
                let base = String(name.dropLast(suffix.count))
                if present.contains(base), Self.sniff(dir + "/" + base)?.format == .sqlite { out.insert(name) }
            }
        }
        return out
    }

    /// The page format of a file, from its first bytes.
    static func sniff(_ path: String) -> (format: PageFileFormat, pageSize: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: PageFileFormat.headerLength)) ?? Data()
        return PageFileFormat.detect(header: Array(header))
    }

    private func archiveFile(
        path: String, relative: String, meta: FileMetadata, parent: TreeNode?, node: inout TreeNode, uploads: inout Uploads
    ) async throws {
        summary.files += 1
        let sniffed = meta.size >= 100 ? Self.sniff(path) : nil
        if !options.forceRead, sniffed?.format != .sqlite, let p = parent, p.type == .file, p.size == meta.size,
            p.mtime == meta.mtime, p.sha256 != nil, p.format == sniffed?.format.rawValue, try allBlobsKnown(p)
        {
            node.size = p.size
            node.sha256 = p.sha256
            node.chunks = p.chunks
            node.chunkLists = p.chunkLists
            node.format = p.format
            node.pageSize = p.pageSize
            summary.bytes += meta.size
            doneBytes += meta.size
            report(relative)
            return
        }
        summary.filesRead += 1
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw LifeboatError(errno == ENOENT ? .notFound : .io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let batcher: any ChunkBatcher
        var reader: SQLiteSnapshotReader?
        defer { reader?.close() }
        if let sniffed {
            node.format = sniffed.format.rawValue
            node.pageSize = sniffed.pageSize
            let perBatch = Swift.max(1, Self.batchBytes / sniffed.pageSize)
            if sniffed.format == .sqlite, let r = try? SQLiteSnapshotReader(path: path) {
                reader = r
                node.capturedAt = Date()
                batcher = SQLiteBatcher(reader: r, pagesPerBatch: perBatch)
            } else {
                if sniffed.format == .sqlite {
                    warnings.append(
                        "\(path): could not open as a live SQLite database; copied as plain pages (may be inconsistent if it is being written)"
                    )
                }
                batcher = PageFileBatcher(fd: fd, path: path, pageSize: sniffed.pageSize, pagesPerBatch: perBatch)
            }
        } else {
            batcher = ContentDefinedBatcher(fd: fd, path: path, chunker: chunker)
        }
        // Pages equal to the parent's at the same position need no index lookup.
        let previous = sniffed != nil && parent?.format == sniffed?.format.rawValue ? ParentChunks(parent) : nil
        try await archiveContent(batcher, relative: relative, parent: previous, node: &node, uploads: &uploads)
    }

    /// Stores a batcher's chunks and records the content's chunks, size and SHA-256 in `node`.
    private func archiveContent(
        _ batcher: any ChunkBatcher, relative: String, parent: ParentChunks? = nil, node: inout TreeNode, uploads: inout Uploads
    ) async throws {
        var list = ChunkListWriter()
        let (sha, size) = try await pipeline(batcher, relative: relative, parent: parent, list: &list, uploads: &uploads)
        try await list.finish(into: &node, archiver: self, uploads: &uploads)
        // A live database's captured image (WAL included) can differ from its file size.
        node.size = size
        summary.bytes += size
        node.sha256 = sha.finalizeHex()
    }

    private func allBlobsKnown(_ node: TreeNode) throws -> Bool {
        if let lists = node.chunkLists { return try lists.allSatisfy { try index.contains($0) } }
        return try (node.chunks ?? []).allSatisfy { try index.contains($0.id) }
    }

    func report(_ current: String) {
        progress.report(
            ProgressEvent(
                phase: "backup", bytesDone: doneBytes, bytesTotal: totalBytes, filesDone: summary.files, filesTotal: totalFiles,
                current: current))
    }

    // MARK: Blobs

    /// Stores one tree or chunk-list blob (deduplicated) and returns its id.
    func storeBlob(type: BlobType, _ plaintext: [UInt8], uploads: inout Uploads) async throws -> ObjectID {
        let id = repo.key.chunkID(plaintext)
        if try !pendingIDs.contains(id) && !index.contains(id) {
            let ctx = try contexts.take()
            defer { contexts.give(ctx) }
            let payload = plaintext.withUnsafeBytes { Compression.encode($0, context: ctx) }
            try await append(
                type: type, id: id, sealed: try repo.key.seal(payload, binding: id), rawLength: plaintext.count, uploads: &uploads)
        }
        return id
    }

    func storeTree(_ tree: Tree, uploads: inout Uploads) async throws -> ObjectID {
        try await storeBlob(type: .tree, Array(try JSONEncoder.lifeboat.encode(tree)), uploads: &uploads)
    }

    private func append(type: BlobType, id: ObjectID, sealed: Data, rawLength: Int, uploads: inout Uploads) async throws {
        try await pack.append(type: type, id: id, sealed: sealed, rawLength: rawLength)
        pendingIDs.insert(id)
        summary.blobsAdded += 1
        summary.bytesAdded += Int64(rawLength)
        if pack.size >= repo.config.packSize { try await finishPack(uploads: &uploads) }
    }

    // MARK: Packs and index

    func finishPack(uploads: inout Uploads) async throws {
        guard !pack.isEmpty else { return }
        let key = repo.key
        let full = pack
        pack = OpenPack(storage: repo.storage, capacity: repo.config.packSize)
        if inFlight >= Self.maxUploadsInFlight, let done = try await uploads.next() {
            inFlight -= 1
            try await uploaded(done)
        }
        // Sealing the header, naming the pack and storing it (or, streamed, writing its
        // last piece and renaming it) happen off the pipeline's own task.
        uploads.addTask {
            let (id, size, entries) = try await full.finish(key: key)
            return UploadedPack(id: id, entries: entries, size: size)
        }
        inFlight += 1
        // A pack gathered in memory for a local disk is written before the next one fills
        // (workers keep hashing and sealing the batches in flight meanwhile): one pack in
        // memory. A streamed pack is mostly on disk already.
        if !repo.storage.overlapsPuts, full.isBuffered, let done = try await uploads.next() {
            inFlight -= 1
            try await uploaded(done)
        }
    }

    private func uploaded(_ done: UploadedPack) async throws {
        for e in done.entries {
            try index.insert(e, pack: done.id)
            pendingIDs.remove(e.id)
        }
        pendingIndex.packs.append((done.id, done.entries))
        summary.bytesStored += Int64(done.size)
        if pendingIndex.entryCount >= Self.indexFlushEntries { try await flushIndex() }
    }

    /// Writes the index entries of uploaded packs; only packs already stored are listed.
    private func flushIndex() async throws {
        guard !pendingIndex.packs.isEmpty else { return }
        // The packs an index names must be durable before the index is.
        try await repo.storage.flush()
        let plaintext = pendingIndex.encode()
        let id = try await repo.putObject(.index, plaintext, compress: false)
        repo.rememberWrittenIndex(plaintext, id: id)
        pendingIndex = IndexFile()
    }
}
