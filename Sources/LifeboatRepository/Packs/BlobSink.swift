import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// Writes blobs into a repository's packs outside a backup (used by copy): blobs the
/// repository already holds are skipped, packs are stored as they fill, and index files
/// name only packs already stored.
final class BlobSink {
    let repo: Repository
    private(set) var index: ChunkIndex
    private var pack: PackBuilder
    private var pending = Set<ObjectID>()
    private var pendingIndex = IndexFile()
    /// Blobs stored by this sink.
    private(set) var blobsAdded = 0
    /// Plaintext bytes of those blobs.
    private(set) var bytesAdded: Int64 = 0
    /// Bytes of packs written.
    private(set) var bytesStored: Int64 = 0

    init(repo: Repository) async throws {
        self.repo = repo
        index = try await repo.loadIndex()
        pack = PackBuilder(capacity: repo.config.packSize)
    }

    /// Whether the repository holds the blob, or this sink is about to store it.
    func has(_ id: ObjectID) throws -> Bool { try pending.contains(id) || index.contains(id) }

    /// Stores a plaintext blob under the repository's keyed id, unless it holds it; returns the id.
    @discardableResult
    func store(type: BlobType, _ plaintext: ArraySlice<UInt8>) async throws -> ObjectID {
        let (id, full) = try plaintext.withUnsafeBytes { try add(type: type, $0) }
        if full { try await finishPack() }
        return id
    }

    /// Adds a blob to the open pack; says whether the pack is full.
    private func add(type: BlobType, _ plaintext: UnsafeRawBufferPointer) throws -> (ObjectID, Bool) {
        let id = repo.key.chunkID(plaintext)
        guard try !has(id) else { return (id, false) }
        let context = try Compression.compressionContexts.take()
        let payload = Compression.encode(plaintext, context: context)
        Compression.compressionContexts.give(context)
        pack.append(type: type, id: id, sealed: try repo.key.seal(payload, binding: id), rawLength: plaintext.count)
        pending.insert(id)
        blobsAdded += 1
        bytesAdded += Int64(plaintext.count)
        return (id, pack.size >= repo.config.packSize)
    }

    /// Stores a tree blob (JSON); returns its id.
    func storeTree(_ tree: Tree) async throws -> ObjectID {
        try await store(type: .tree, Array(try JSONEncoder.lifeboat.encode(tree))[...])
    }

    /// Stores the open pack and writes the index of every stored pack: after this, every
    /// blob stored so far is durable and indexed, so a snapshot naming them may be written.
    func flush() async throws {
        try await finishPack()
        guard !pendingIndex.packs.isEmpty else { return }
        try await repo.storage.flush()
        try await repo.putObject(.index, pendingIndex.encode(), compress: false)
        pendingIndex = IndexFile()
    }

    private func finishPack() async throws {
        guard !pack.isEmpty else { return }
        var full = pack
        pack = PackBuilder(capacity: repo.config.packSize)
        let (id, data, entries) = try full.finish(key: repo.key)
        try await repo.storage.putUnsynced(ObjectName(.data, id.hex), data)
        for e in entries {
            try index.insert(e, pack: id)
            pending.remove(e.id)
        }
        bytesStored += Int64(data.count)
        pendingIndex.packs.append((id, entries))
        if pendingIndex.entryCount >= Archiver.indexFlushEntries {
            try await repo.storage.flush()
            try await repo.putObject(.index, pendingIndex.encode(), compress: false)
            pendingIndex = IndexFile()
        }
    }
}
