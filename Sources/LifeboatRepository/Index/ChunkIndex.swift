import LifeboatCore
import Synchronization

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

/// The index of every blob in the repository: which pack holds it, in memory that does
/// not grow with the repository.
///
/// A key is 96 bits of the blob id; offsets and lengths are not kept here, readers take
/// them from the pack's header (``PackHeaderCache``). Recent inserts sit in an in-memory
/// open-addressing table of 16-byte slots; when it holds ``spillAfter`` keys they move to
/// a sorted run in an unlinked temporary file (``IndexRun``), runs of similar size are
/// merged, and a Bloom filter (``BlobFilter``) answers "not stored" for most new blobs
/// without reading a run. What stays in memory per blob is the filter's 10 bits, so a
/// 4 GiB node (a million pages) costs about 1.3 MB on top of the fixed table, instead of
/// 20 MB for a table of every key.
///
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

    /// Recent inserts, not yet in a run.
    private var slots: [Slot]
    private var recent = 0
    /// Sorted runs on disk, oldest (and largest) first; no key is in two of them.
    private var runs: [IndexRun] = []
    /// Every key in `runs`.
    private var filter: BlobFilter
    /// Keys moved to a run after this many recent inserts.
    let spillAfter: Int
    /// Blobs indexed.
    private(set) var count = 0
    /// Pack ids by number.
    private(set) var packs: [ObjectID] = []
    /// Where each pack's header starts: the end of its last blob.
    private(set) var headerOffsets: [UInt32] = []
    private var packNumbers: [ObjectID: UInt32] = [:]

    /// The largest share of slots in use.
    static let maxLoad = 0.8
    /// The default for ``spillAfter``: a 1.3 MB table.
    static var defaultSpill: Int {
        let forced = spillForTesting.load(ordering: .relaxed)
        return forced > 0 ? forced : 1 << 16
    }
    /// Tests set this to make every index of the process spill early (0: the default).
    static let spillForTesting = Atomic<Int>(0)

    /// Where runs go; nil for `TMPDIR` or `/tmp`.
    let spillDirectory: String?

    /// An empty index expecting about `capacity` blobs (it takes more, the hint sizes the filter).
    init(capacity: Int = 1024, spillAfter: Int = ChunkIndex.defaultSpill, spillDirectory: String? = nil) {
        self.spillAfter = Swift.max(16, spillAfter)
        self.spillDirectory = spillDirectory
        slots = [Slot](repeating: Slot(), count: Int(Double(Swift.min(Swift.max(16, capacity), self.spillAfter)) / Self.maxLoad) + 1)
        filter = BlobFilter(capacity: capacity)
    }

    /// Expects `additional` more blobs: sizes the filter so it stays selective.
    mutating func reserve(_ additional: Int) throws {
        if count + additional > filter.capacity { try rebuildFilter(capacity: count + additional) }
    }

    /// Runs on disk (for tests and statistics).
    var runCount: Int { runs.count }

    @inline(__always) private func home(_ k0: UInt64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: k0.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// The slot index holding the key, or the empty slot where it would go.
    private func probe(_ k0: UInt64, _ k1: UInt32) -> (index: Int, found: Bool) {
        slots.withUnsafeBufferPointer { s in
            var i = home(k0, s.count)
            while true {
                let slot = s[i]
                if slot.pack == .max { return (i, false) }
                if slot.k0 == k0 && slot.k1 == k1 { return (i, true) }
                i += 1
                if i == s.count { i = 0 }
            }
        }
    }

    private func lookup(_ k0: UInt64, _ k1: UInt32) throws -> UInt32? {
        let (i, found) = probe(k0, k1)
        return found ? slots[i].pack : try lookupInRuns(k0, k1)
    }

    /// The pack of a key moved to the runs on disk, read only when the filter lets it pass.
    private func lookupInRuns(_ k0: UInt64, _ k1: UInt32) throws -> UInt32? {
        guard !runs.isEmpty, filter.mayContain(k0, k1) else { return nil }
        for run in runs.reversed() {
            if let pack = try run.pack(k0: k0, k1: k1) { return pack }
        }
        return nil
    }

    /// Whether the repository holds the blob.
    func contains(_ id: ObjectID) throws -> Bool { try lookup(id.w0, IndexRecord.key1(id)) != nil }

    /// The number of the pack holding the blob.
    func packNumber(of id: ObjectID) throws -> Int? { try lookup(id.w0, IndexRecord.key1(id)).map(Int.init) }

    /// The number of a pack, if the index names it.
    func number(of pack: ObjectID) -> Int? { packNumbers[pack].map(Int.init) }

    /// Adds a blob; a blob already known keeps its first pack.
    mutating func insert(_ entry: PackEntry, pack: ObjectID) throws {
        let number = register(pack)
        headerOffsets[Int(number)] = Swift.max(headerOffsets[Int(number)], entry.offset + entry.length)
        let k0 = entry.id.w0
        let k1 = IndexRecord.key1(entry.id)
        let (i, found) = probe(k0, k1)
        if found { return }
        if try lookupInRuns(k0, k1) != nil { return }
        slots[i] = Slot(k0: k0, k1: k1, pack: number)
        recent += 1
        count += 1
        if recent >= spillAfter || Double(recent + 1) > Double(slots.count) * Self.maxLoad {
            if recent >= spillAfter { try spill() } else { grow() }
        }
    }

    private mutating func register(_ pack: ObjectID) -> UInt32 {
        if let n = packNumbers[pack] { return n }
        let n = UInt32(packs.count)
        packs.append(pack)
        headerOffsets.append(0)
        packNumbers[pack] = n
        return n
    }

    /// Doubles the table (while it is still smaller than ``spillAfter`` keys need).
    private mutating func grow() {
        let old = slots
        let capacity = Swift.min(slots.count * 2, Int(Double(spillAfter) / Self.maxLoad) + 1)
        slots = [Slot](repeating: Slot(), count: capacity)
        for slot in old where slot.pack != .max {
            let (i, _) = probe(slot.k0, slot.k1)
            slots[i] = slot
        }
    }

    /// Moves the recent keys into a new sorted run, then merges runs of similar size, so
    /// there are about log2(count / spillAfter) runs.
    private mutating func spill() throws {
        var records = [IndexRecord]()
        records.reserveCapacity(recent)
        for slot in slots where slot.pack != .max { records.append(IndexRecord(k0: slot.k0, k1: slot.k1, pack: slot.pack)) }
        records.sort(by: <)
        var writer = try IndexRun.Writer(directory: spillDirectory ?? IndexRun.defaultDirectory)
        do {
            for r in records { try writer.append(r) }
            runs.append(try writer.finish())
        } catch {
            writer.abandon()
            throw error
        }
        if count > filter.capacity {
            try rebuildFilter(capacity: count * 2)
        } else {
            for r in records { filter.insert(r.k0, r.k1) }
        }
        for i in slots.indices { slots[i] = Slot() }
        recent = 0
        while runs.count >= 2 && runs[runs.count - 1].count * 2 >= runs[runs.count - 2].count {
            let merged = try IndexRun.merge(Array(runs.suffix(2)), directory: spillDirectory ?? IndexRun.defaultDirectory)
            runs.removeLast(2)
            runs.append(merged)
        }
    }

    /// Merges every run into one, so a lookup reads one block at most.
    mutating func consolidate() throws {
        guard runs.count > 1 else { return }
        runs = [try IndexRun.merge(runs, directory: spillDirectory ?? IndexRun.defaultDirectory)]
    }

    private mutating func rebuildFilter(capacity: Int) throws {
        var fresh = BlobFilter(capacity: capacity)
        for run in runs {
            var reader = run.reader()
            while let r = try reader.pop() { fresh.insert(r.k0, r.k1) }
        }
        filter = fresh
    }
}
