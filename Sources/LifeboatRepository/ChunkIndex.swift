import LifeboatCore

/// Where a blob lives: which pack, at what offset, how long its sealed bytes are.
public struct BlobLocation: Hashable, Sendable {
    /// The pack holding the blob.
    public var pack: ObjectID
    /// Offset of the sealed blob in the pack.
    public var offset: Int
    /// Length of the sealed blob.
    public var length: Int
    /// Data or tree.
    public var type: BlobType
}

/// The in-memory index of every blob in the repository, kept compact so memory stays
/// small as repositories grow: 24 bytes a blob in an open-addressing table.
///
/// A slot keeps the first 96 bits of the blob id. Two distinct keyed 256-bit ids sharing
/// 96 bits is about as likely as 2^-96 per pair; and every blob read back is checked
/// against its full id anyway, so a collision could never restore wrong data silently.
struct ChunkIndex: Sendable {
    private struct Slot {
        var k0: UInt64 = 0
        var k1: UInt32 = 0
        var pack: UInt32 = 0
        var offset: UInt32 = 0
        /// Sealed length in the low 30 bits, blob type in the top 2; 0 marks an empty slot.
        var lengthAndType: UInt32 = 0
    }

    private var slots: [Slot]
    private(set) var count = 0
    private(set) var packs: [ObjectID] = []
    private var packNumbers: [ObjectID: UInt32] = [:]

    init(capacity: Int = 1024) {
        slots = [Slot](repeating: Slot(), count: Swift.max(16, capacity * 4 / 3 + 1))
    }

    /// Makes room for `additional` more blobs without growing mid-run.
    mutating func reserve(_ additional: Int) {
        let needed = (count + additional) * 4 / 3 + 1
        if needed > slots.count { rehash(to: needed) }
    }

    @inline(__always) private func home(_ k0: UInt64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: k0.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    @inline(__always) private func key1(_ id: ObjectID) -> UInt32 { UInt32(truncatingIfNeeded: id.w1 >> 32) }

    /// The slot index holding `id`, or the empty slot where it would go.
    private func probe(_ id: ObjectID) -> (index: Int, found: Bool) {
        let k1 = key1(id)
        var i = home(id.w0, slots.count)
        return slots.withUnsafeBufferPointer { s in
            while true {
                let slot = s[i]
                if slot.lengthAndType == 0 { return (i, false) }
                if slot.k0 == id.w0 && slot.k1 == k1 { return (i, true) }
                i += 1
                if i == s.count { i = 0 }
            }
        }
    }

    func contains(_ id: ObjectID) -> Bool { probe(id).found }

    func lookup(_ id: ObjectID) -> BlobLocation? {
        let (i, found) = probe(id)
        guard found else { return nil }
        let s = slots[i]
        return BlobLocation(
            pack: packs[Int(s.pack)], offset: Int(s.offset), length: Int(s.lengthAndType & 0x3fff_ffff),
            type: BlobType(rawValue: UInt8(s.lengthAndType >> 30)) ?? .data)
    }

    /// The number under which a pack is known, registering it on first use.
    mutating func packNumber(_ pack: ObjectID) -> UInt32 {
        if let n = packNumbers[pack] { return n }
        let n = UInt32(packs.count)
        packs.append(pack)
        packNumbers[pack] = n
        return n
    }

    /// Adds a blob; a blob already known keeps its first location.
    mutating func insert(_ entry: PackEntry, pack: ObjectID) {
        if (count + 1) * 4 > slots.count * 3 { rehash(to: slots.count * 2) }
        let (i, found) = probe(entry.id)
        guard !found else { return }
        let number = packNumber(pack)
        slots[i] = Slot(
            k0: entry.id.w0, k1: key1(entry.id), pack: number, offset: entry.offset,
            lengthAndType: (entry.length & 0x3fff_ffff) | UInt32(entry.type.rawValue) << 30)
        count += 1
    }

    private mutating func rehash(to capacity: Int) {
        let old = slots
        slots = [Slot](repeating: Slot(), count: capacity)
        for slot in old where slot.lengthAndType != 0 {
            var i = home(slot.k0, capacity)
            while slots[i].lengthAndType != 0 {
                i += 1
                if i == capacity { i = 0 }
            }
            slots[i] = slot
        }
    }
}
