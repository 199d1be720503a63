import Foundation
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatRepository

/// The blob index keeps a bounded table in memory and moves older keys to sorted runs on
/// disk behind a Bloom filter; these tests hold it to the answers of a plain dictionary.
@Suite struct ChunkIndexTests {
    static func randomID(_ rng: inout SeededGenerator) -> ObjectID {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        return bytes.withUnsafeBytes { ObjectID(raw: $0) }
    }

    static func entry(_ id: ObjectID, offset: UInt32 = 0) -> PackEntry {
        PackEntry(type: .data, id: id, offset: offset, length: 100, rawLength: 4096)
    }

    /// Many keys through a small table: they spill into several runs, and every lookup
    /// (present, absent, pack number) agrees with a dictionary, before and after merging
    /// the runs into one.
    @Test(arguments: [UInt64(1), 2, 3])
    func spilledIndexAnswersLikeADictionary(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var index = ChunkIndex(capacity: 64, spillAfter: 100)
        var expected: [ObjectID: Int] = [:]
        let packs = (0..<40).map { _ in Self.randomID(&rng) }
        for n in 0..<5_000 {
            let id = Self.randomID(&rng)
            let pack = packs[n % packs.count]
            try index.insert(Self.entry(id, offset: UInt32(n)), pack: pack)
            expected[id] = index.number(of: pack)
        }
        #expect(index.count == 5_000)
        #expect(index.runCount > 1, "5,000 keys through a 100-key table must have spilled")
        #expect(index.runCount <= 8, "runs of similar size are merged: \(index.runCount) runs")
        for round in 0..<2 {
            for (id, pack) in expected {
                #expect(try index.contains(id), "round \(round): inserted id \(id.short) not found")
                #expect(try index.packNumber(of: id) == pack)
            }
            for _ in 0..<2_000 {
                let absent = Self.randomID(&rng)
                #expect(try !index.contains(absent))
                #expect(try index.packNumber(of: absent) == nil)
            }
            try index.consolidate()
            #expect(index.runCount == 1)
        }
    }

    /// A blob inserted again (another pack holds it too) keeps its first pack, whether the
    /// first entry is still in memory or already on disk, and is counted once.
    @Test func reinsertKeepsTheFirstPack() throws {
        var rng = SeededGenerator(seed: 7)
        var index = ChunkIndex(capacity: 16, spillAfter: 16)
        let first = Self.randomID(&rng)
        let second = Self.randomID(&rng)
        let early = Self.randomID(&rng)
        try index.insert(Self.entry(early), pack: first)
        for _ in 0..<100 { try index.insert(Self.entry(Self.randomID(&rng)), pack: first) }
        #expect(index.runCount >= 1)
        let late = Self.randomID(&rng)
        try index.insert(Self.entry(late), pack: first)
        let before = index.count
        try index.insert(Self.entry(early), pack: second)
        try index.insert(Self.entry(late), pack: second)
        #expect(index.count == before)
        #expect(try index.packNumber(of: early) == index.number(of: first))
        #expect(try index.packNumber(of: late) == index.number(of: first))
        #expect(index.packs.count == 2)
    }

    /// Copies are values: what one copy adds, spilled or not, the other does not see.
    @Test func copiesAreIndependent() throws {
        var rng = SeededGenerator(seed: 11)
        var a = ChunkIndex(capacity: 16, spillAfter: 32)
        let pack = Self.randomID(&rng)
        for _ in 0..<50 { try a.insert(Self.entry(Self.randomID(&rng)), pack: pack) }
        var b = a
        let onlyB = (0..<100).map { _ in Self.randomID(&rng) }
        for id in onlyB { try b.insert(Self.entry(id), pack: pack) }
        #expect(b.count == 150)
        #expect(a.count == 50)
        for id in onlyB {
            #expect(try b.contains(id))
            #expect(try !a.contains(id))
        }
    }

    /// The header offset of a pack is the end of its last blob, whatever the order.
    @Test func headerOffsetIsTheEndOfTheLastBlob() throws {
        var rng = SeededGenerator(seed: 3)
        var index = ChunkIndex()
        let pack = Self.randomID(&rng)
        try index.insert(PackEntry(type: .data, id: Self.randomID(&rng), offset: 500, length: 300, rawLength: 4096), pack: pack)
        try index.insert(PackEntry(type: .data, id: Self.randomID(&rng), offset: 0, length: 500, rawLength: 4096), pack: pack)
        #expect(index.headerOffsets[index.number(of: pack)!] == 800)
    }

    /// A spill directory that cannot be written gives one message naming it.
    @Test func unwritableSpillDirectoryIsNamed() throws {
        var rng = SeededGenerator(seed: 5)
        let missing = "/nonexistent-lifeboat-spill-\(UInt32.random(in: 0...UInt32.max))"
        var index = ChunkIndex(capacity: 16, spillAfter: 16, spillDirectory: missing)
        let pack = Self.randomID(&rng)
        let error = #expect(throws: LifeboatError.self) {
            for _ in 0..<100 { try index.insert(Self.entry(Self.randomID(&rng)), pack: pack) }
        }
        #expect(error?.code == .io)
        #expect(error?.message.contains(missing) == true, "\(error?.message ?? "")")
    }

    /// The filter never forgets a key, and at capacity few absent keys pass it.
    @Test func filterHasNoFalseNegativesAndFewFalsePositives() {
        var rng = SeededGenerator(seed: 13)
        var filter = BlobFilter(capacity: 20_000)
        var keys: [(UInt64, UInt32)] = []
        for _ in 0..<20_000 {
            let k = (UInt64.random(in: 0...UInt64.max, using: &rng), UInt32.random(in: 0...UInt32.max, using: &rng))
            keys.append(k)
            filter.insert(k.0, k.1)
        }
        #expect(keys.allSatisfy { filter.mayContain($0.0, $0.1) })
        var passed = 0
        for _ in 0..<20_000
        where filter.mayContain(UInt64.random(in: 0...UInt64.max, using: &rng), UInt32.random(in: 0...UInt32.max, using: &rng)) {
            passed += 1
        }
        #expect(passed < 400, "false positives: \(passed) of 20,000 (expected about 1 %)")
    }

    /// A whole repository life (backups of changing random trees, restore, check, forget
    /// with prune, copy to a second repository) with every index of the process spilling
    /// after 16 keys: the spilled index gives the answers the in-memory one gives.
    @Test func repositoryRoundTripWithSpilledIndex() async throws {
        ChunkIndex.spillForTesting.store(16, ordering: .relaxed)
        defer { ChunkIndex.spillForTesting.store(0, ordering: .relaxed) }
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = t.dir.appending("node")
        var tree = RandomTree(root: source, seed: 21)
        try tree.populate()
        var generations: [(ObjectID, TreeSnapshot)] = []
        for generation in 0..<4 {
            if generation > 0 { try tree.mutate() }
            let result = try await t.repo.backup(paths: [source], options: BackupOptions())
            #expect(result.warnings.isEmpty)
            generations.append((result.id, try TreeSnapshot(source)))
        }
        let index = try await t.repo.loadIndex()
        #expect(index.count > 16 && index.runCount == 1, "\(index.count) blobs, \(index.runCount) runs")
        for (i, (id, expected)) in generations.enumerated() {
            let target = t.dir.appending("restore-\(i)")
            _ = try await t.repo.restore(try await t.repo.findSnapshot(id.hex), options: RestoreOptions(target: target))
            #expect(try TreeSnapshot(target + "/node").differences(expected).isEmpty, "generation \(i)")
        }
        let forgotten = try await t.repo.forget(policy: RetentionPolicy(keepLast: 2), prune: true)
        #expect(forgotten.prune != nil)
        let report = try await t.repo.check(readData: true)
        #expect(report.errors.isEmpty, "\(report.errors)")
        let other = try await TestRepository()
        defer { other.dir.remove() }
        let copied = try await t.repo.copy(try await t.repo.snapshots(), to: other.repo)
        #expect(copied.copied.count == 2)
        let latest = try await other.repo.findSnapshot("latest")
        _ = try await other.repo.restore(latest, options: RestoreOptions(target: other.dir.appending("restore")))
        #expect(try TreeSnapshot(other.dir.appending("restore") + "/node").differences(generations.last!.1).isEmpty)
        #expect(try await other.repo.check(readData: true).errors.isEmpty)
    }
}
