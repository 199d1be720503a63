import LifeboatCore

/// Where a blob lives: which pack, which sealed frame in it, and where in the frame.
public struct BlobLocation: Hashable, Sendable {
    /// The pack holding the blob.
    public var pack: ObjectID
    /// Offset of the sealed frame in the pack.
    public var offset: Int
    /// Length of the sealed frame.
    public var length: Int
    /// Data or tree.
    public var type: BlobType
    /// Length of the blob's plaintext.
    public var rawLength: Int
    /// Where the blob's plaintext starts in the frame's plaintext.
    public var inner: Int
    /// The id the frame is sealed bound to (its first member's; the blob's own when alone).
    public var binding: ObjectID
}

/// The in-memory index of every blob in the repository: which pack holds it.
///
/// A slot is 16 bytes — 96 bits of the blob id and a pack number — in an open-addressing
/// table, so a 1 GiB database of 4 KiB pages costs about 5 MiB. Offsets and lengths are
/// not kept here: readers take them from the pack's header (``PackHeaderCache``).
/// Two distinct keyed 256-bit ids sharing 96 bits is about as likely as 2^-96 per pair,
/// and every blob read back is checked against its full id, so a collision could never
/// restore wrong data silently.
struct ChunkIndex: Sendable {
    private struct Slot {
        var k0: UInt64 = 0
        var k1: UInt32 = 0
        /// The pack number; `UInt32.max` marks an empty slot.
        var pack: UInt32 = .max
    }

    private var slots: [Slot]
    private(set) var count = 0
    /// Pack ids by number.
    private(set) var packs: [ObjectID] = []
    /// Where each pack's header starts: the end of its last blob.
    private(set) var headerOffsets: [UInt32] = []
    private var packNumbers: [ObjectID: UInt32] = [:]

    /// The largest share of slots in use before the table grows.
    static let maxLoad = 0.8

    init(capacity: Int = 1024) {
        slots = [Slot](repeating: Slot(), count: Swift.max(16, Int(Double(capacity) / Self.maxLoad) + 1))
    }

    /// Makes room for `additional` more blobs without growing mid-run.
    mutating func reserve(_ additional: Int) {
        let needed = Int(Double(count + additional) / Self.maxLoad) + 1
        if needed > slots.count { rehash(to: needed) }
    }

    @inline(__always) private func home(_ k0: UInt64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: k0.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    @inline(__always) private func key1(_ id: ObjectID) -> UInt32 { UInt32(truncatingIfNeeded: id.w1 >> 32) }

    /// The slot index holding `id`, or the empty slot where it would go.
    private func probe(_ id: ObjectID) -> (index: Int, found: Bool) {
        let k1 = key1(id)
        return slots.withUnsafeBufferPointer { s in
            var i = home(id.w0, s.count)
            while true {
                let slot = s[i]
                if slot.pack == .max { return (i, false) }
                if slot.k0 == id.w0 && slot.k1 == k1 { return (i, true) }
                i += 1
                if i == s.count { i = 0 }
            }
        }
    }

    /// Whether the repository holds the blob.
    func contains(_ id: ObjectID) -> Bool { probe(id).found }

    /// The number of the pack holding the blob.
    func packNumber(of id: ObjectID) -> Int? {
        let (i, found) = probe(id)
        return found ? Int(slots[i].pack) : nil
    }

    /// Adds a blob; a blob already known keeps its first pack.
    mutating func insert(_ entry: PackEntry, pack: ObjectID) {
        let number = register(pack)
        headerOffsets[Int(number)] = Swift.max(headerOffsets[Int(number)], entry.offset + entry.length)
        if Double(count + 1) > Double(slots.count) * Self.maxLoad { rehash(to: slots.count * 2) }
        let (i, found) = probe(entry.id)
        guard !found else { return }
        slots[i] = Slot(k0: entry.id.w0, k1: key1(entry.id), pack: number)
        count += 1
    }

    private mutating func register(_ pack: ObjectID) -> UInt32 {
        if let n = packNumbers[pack] { return n }
        let n = UInt32(packs.count)
        packs.append(pack)
        headerOffsets.append(0)
        packNumbers[pack] = n
        return n
    }

    private mutating func rehash(to capacity: Int) {
        let old = slots
        slots = [Slot](repeating: Slot(), count: capacity)
        for slot in old where slot.pack != .max {
            var i = home(slot.k0, capacity)
            while slots[i].pack != .max {
                i += 1
                if i == capacity { i = 0 }
            }
            slots[i] = slot
        }
    }
}
