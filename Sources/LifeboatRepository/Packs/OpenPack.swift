import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// The pack a backup is filling: streamed to storage as it fills where the storage can
/// (a local directory, ``ObjectStreamWriter``), else gathered in memory (``PackBuilder``)
/// and stored whole when finished.
struct OpenPack: Sendable {
    private let storage: any ObjectStorage
    private let capacity: Int
    private var memory: PackBuilder?
    private var stream: (any ObjectStreamWriter)?
    private var streamed = 0
    private(set) var entries: [PackEntry] = []

    init(storage: any ObjectStorage, capacity: Int) {
        self.storage = storage
        self.capacity = capacity
    }

    var isEmpty: Bool { entries.isEmpty }
    var size: Int { memory?.size ?? streamed }
    /// Whether the pack is held whole in memory until stored.
    var isBuffered: Bool { memory != nil }

    private mutating func put(_ sealed: Data) async throws {
        if memory == nil && stream == nil {
            if let writer = try storage.makeStreamWriter() { stream = writer } else { memory = PackBuilder(capacity: capacity) }
        }
        if let stream {
            try await stream.write(sealed)
            streamed += sealed.count
        } else {
            memory?.appendBytes(sealed)
        }
    }

    /// Appends a blob sealed alone in its frame.
    mutating func append(type: BlobType, id: ObjectID, sealed: Data, rawLength: Int) async throws {
        let offset = UInt32(size)
        try await put(sealed)
        entries.append(PackEntry(type: type, id: id, offset: offset, length: UInt32(sealed.count), rawLength: UInt32(rawLength)))
    }

    /// Appends a sealed frame of several blobs (see ``PackBuilder/appendFrame(_:members:)``).
    mutating func appendFrame(_ sealed: Data, members: [FrameMember]) async throws {
        let offset = size
        try await put(sealed)
        entries += PackFormat.frameEntries(offset: offset, length: sealed.count, members: members)
    }

    /// Seals the header onto the pack and stores it (unsynced: the storage's `flush` makes
    /// it durable); returns its id, size and entries.
    func finish(key: MasterKey) async throws -> (id: ObjectID, size: Int, entries: [PackEntry]) {
        let tail = try PackFormat.tail(for: entries, key: key)
        let id = PackFormat.name(ofTail: tail)
        if let stream {
            do {
                try await stream.write(tail)
                let size = stream.count
                try await stream.commit(as: ObjectName(.data, id.hex))
                return (id, size, entries)
            } catch {
                await stream.abandon()
                throw error
            }
        }
        guard var memory else { throw LifeboatError(.internalError, "finishing an empty pack") }
        memory.appendBytes(tail)
        try await storage.putUnsynced(ObjectName(.data, id.hex), memory.bytes)
        return (id, memory.size, entries)
    }

    /// Gives up a pack that will not be finished (a failed backup): nothing stays behind.
    func abandon() async {
        await stream?.abandon()
    }
}
