import Foundation
import LifeboatCore
import LifeboatStorage
import Synchronization

/// Recently read pack headers, so locating blobs costs one small read per pack.
///
/// The in-memory index says which pack holds a blob; the pack's own header says where.
/// Readers walk files in order, so a handful of headers at a time suffices.
final class PackHeaderCache: Sendable {
    /// A pack's entries by blob id, and each frame's binding id by frame offset.
    struct Header: Sendable {
        var entries: [ObjectID: PackEntry]
        var bindings: [UInt32: ObjectID]
    }

    private struct State {
        var headers: [ObjectID: Header] = [:]
        var order: [ObjectID] = []
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 16) { self.capacity = capacity }

    func cached(_ pack: ObjectID) -> Header? {
        state.withLock { $0.headers[pack] }
    }

    /// A cached header holding the blob, newest first: readers walk files in order, so the
    /// next blob is nearly always in a pack just read, and the index is not consulted.
    func find(_ id: ObjectID) -> (pack: ObjectID, header: Header, entry: PackEntry)? {
        state.withLock { s in
            for pack in s.order.reversed() {
                if let header = s.headers[pack], let entry = header.entries[id] { return (pack, header, entry) }
            }
            return nil
        }
    }

    func store(_ pack: ObjectID, _ entries: Header) {
        state.withLock { s in
            if s.headers[pack] == nil { s.order.append(pack) }
            s.headers[pack] = entries
            while s.order.count > capacity { s.headers.removeValue(forKey: s.order.removeFirst()) }
        }
    }
}

extension Repository {
    /// Where a blob is: its pack from the index, its offset and length from the pack header.
    ///
    /// With `cacheHeader` false a header read for this blob is searched and dropped, not
    /// kept: for reads scattered over many packs (a backup reading its parent's chunk lists),
    /// where keeping headers would only hold memory.
    func locate(_ id: ObjectID, index: ChunkIndex, cacheHeader: Bool = true) async throws -> BlobLocation {
        // A cached pack counts only if this index names it (a prune since may have deleted it).
        if let (pack, header, e) = headerCache.find(id), index.number(of: pack) != nil {
            return try location(of: e, in: pack, header: header)
        }
        guard let number = try index.packNumber(of: id) else {
            throw LifeboatError(.notFound, "blob \(id.short) is not in the index (repository damaged? run `lifeboat check`)")
        }
        let pack = index.packs[number]
        let header: PackHeaderCache.Header
        if let cached = headerCache.cached(pack) {
            header = cached
        } else {
            let tail = try await storage.getRange(ObjectName(.data, pack.hex), offset: Int(index.headerOffsets[number]), length: 1 << 26)
            let list = try PackFormat.readHeader(of: tail, key: key, name: pack.hex, baseOffset: Int(index.headerOffsets[number]))
            if !cacheHeader {
                guard let e = list.first(where: { $0.id == id }) else {
                    throw LifeboatError(.corrupted, "pack data/\(pack.hex) does not hold blob \(id.short) although the index says so")
                }
                guard let first = list.first(where: { $0.offset == e.offset && $0.inner == 0 }) else {
                    throw LifeboatError(.corrupted, "pack data/\(pack.hex): the frame at offset \(e.offset) has no first member")
                }
                return BlobLocation(
                    pack: pack, offset: Int(e.offset), length: Int(e.length), type: e.type, rawLength: Int(e.rawLength),
                    inner: Int(e.inner), binding: first.id)
            }
            header = PackHeaderCache.Header(
                entries: Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }), bindings: PackEntry.frameBindings(list))
            headerCache.store(pack, header)
        }
        guard let e = header.entries[id] else {
            throw LifeboatError(.corrupted, "pack data/\(pack.hex) does not hold blob \(id.short) although the index says so")
        }
        return try location(of: e, in: pack, header: header)
    }

    private func location(of e: PackEntry, in pack: ObjectID, header: PackHeaderCache.Header) throws -> BlobLocation {
        guard let binding = header.bindings[e.offset] else {
            throw LifeboatError(.corrupted, "pack data/\(pack.hex): the frame at offset \(e.offset) has no first member")
        }
        return BlobLocation(
            pack: pack, offset: Int(e.offset), length: Int(e.length), type: e.type, rawLength: Int(e.rawLength), inner: Int(e.inner),
            binding: binding)
    }
}

/// Recently opened frames of several blobs, so reading their members one by one (copy,
/// single-file reads) decrypts and decompresses each frame once.
final class FrameCache: Sendable {
    private struct Key: Hashable {
        var pack: ObjectID
        var offset: Int
    }
    private struct State {
        var frames: [Key: [UInt8]] = [:]
        var order: [Key] = []
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 4) { self.capacity = capacity }

    func cached(pack: ObjectID, offset: Int) -> [UInt8]? {
        state.withLock { $0.frames[Key(pack: pack, offset: offset)] }
    }

    func store(_ frame: [UInt8], pack: ObjectID, offset: Int) {
        let key = Key(pack: pack, offset: offset)
        state.withLock { s in
            if s.frames[key] == nil { s.order.append(key) }
            s.frames[key] = frame
            while s.order.count > capacity { s.frames.removeValue(forKey: s.order.removeFirst()) }
        }
    }
}
