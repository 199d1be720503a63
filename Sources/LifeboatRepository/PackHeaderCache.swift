import Foundation
import LifeboatCore
import LifeboatStorage
import Synchronization

/// Recently read pack headers, so locating blobs costs one small read per pack.
///
/// The in-memory index says which pack holds a blob; the pack's own header says where.
/// Readers walk files in order, so a handful of headers at a time suffices.
final class PackHeaderCache: Sendable {
    private struct State {
        var headers: [ObjectID: [ObjectID: PackEntry]] = [:]
        var order: [ObjectID] = []
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 16) { self.capacity = capacity }

    func cached(_ pack: ObjectID) -> [ObjectID: PackEntry]? {
        state.withLock { $0.headers[pack] }
    }

    func store(_ pack: ObjectID, _ entries: [ObjectID: PackEntry]) {
        state.withLock { s in
            if s.headers[pack] == nil { s.order.append(pack) }
            s.headers[pack] = entries
            while s.order.count > capacity { s.headers.removeValue(forKey: s.order.removeFirst()) }
        }
    }
}

extension Repository {
    /// Where a blob is: its pack from the index, its offset and length from the pack header.
    func locate(_ id: ObjectID, index: ChunkIndex) async throws -> BlobLocation {
        guard let number = index.packNumber(of: id) else {
            throw LifeboatError(.notFound, "blob \(id.short) is not in the index (repository damaged? run `lifeboat check`)")
        }
        let pack = index.packs[number]
        let entries: [ObjectID: PackEntry]
        if let cached = headerCache.cached(pack) {
            entries = cached
        } else {
            let tail = try await storage.getRange(ObjectName(.data, pack.hex), offset: Int(index.headerOffsets[number]), length: 1 << 26)
            let list = try PackFormat.readHeader(of: tail, key: key, name: pack.hex, baseOffset: Int(index.headerOffsets[number]))
            entries = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            headerCache.store(pack, entries)
        }
        guard let e = entries[id] else {
            throw LifeboatError(.corrupted, "pack data/\(pack.hex) does not hold blob \(id.short) although the index says so")
        }
        return BlobLocation(pack: pack, offset: Int(e.offset), length: Int(e.length), type: e.type)
    }
}
