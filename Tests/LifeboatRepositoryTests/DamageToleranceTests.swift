import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatRepository

/// One damaged object must not cost more than what depends on it: a bad snapshot manifest
/// hides only itself, a bad index file is worked around from the packs' own headers (and
/// `repair index` makes that permanent), and a killed restore's temporaries go away on the
/// next run.
@Suite struct DamageToleranceTests {
    enum Damage: String, CaseIterable, Sendable { case flip, truncate, swap }

    /// Three backups of a changing tree, each with its own index file and snapshot.
    static func threeBackups(_ t: TestRepository) async throws -> (source: String, snapshots: [(BackupResult, TreeSnapshot)]) {
        let source = try FaultTests.makeNode(t)
        var out: [(BackupResult, TreeSnapshot)] = []
        var rng = SeededGenerator(seed: 5)
        for round in 0..<3 {
            try Data(rng.bytes(700_000)).write(to: URL(fileURLWithPath: source + "/round\(round)"))
            let result = try await t.repo.backup(paths: [source], options: BackupOptions())
            out.append((result, try TreeSnapshot(source)))
        }
        return (source, out)
    }

    /// Damages one stored file: a flipped byte, a cut in half, or the content of `other`.
    static func damage(_ path: String, _ damage: Damage, other: String) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        switch damage {
        case .flip: bytes[bytes.count / 2] ^= 0x20
        case .truncate: bytes = bytes.prefix(bytes.count / 2)
        case .swap: bytes = try Data(contentsOf: URL(fileURLWithPath: other))
        }
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    static func expectRestores(_ repo: Repository, _ id: ObjectID, as expected: TreeSnapshot, into out: String) async throws {
        let result = try await repo.restore(try await repo.findSnapshot(id.hex), options: RestoreOptions(target: out))
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(try TreeSnapshot(out + "/node").entries == expected.entries, "snapshot \(id.short) did not restore bit for bit")
    }

    @Test(arguments: Damage.allCases)
    func damagedIndexFileIsWorkedAroundAndRepaired(damage: Damage) async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let (_, backups) = try await Self.threeBackups(t)
        let indexFiles = try t.files("index").sorted()
        #expect(indexFiles.count >= 2, "expected an index file per backup: \(indexFiles)")
        let victim = indexFiles[0]
        let name = (victim as NSString).lastPathComponent
        try Self.damage(victim, damage, other: indexFiles[1])

        // Every snapshot still restores bit for bit, through a fresh open.
        let repo = try await t.reopen()
        for (n, (backup, tree)) in backups.enumerated() {
            try await Self.expectRestores(repo, backup.id, as: tree, into: t.dir.appending("out\(n)"))
        }
        // check names the index file and the remedy, once: the snapshots are walked against
        // the packs' headers, so no blob is reported missing.
        let report = try await repo.check(readData: true)
        #expect(report.errors.count == 1, "\(report.errors)")
        #expect(report.errors.first?.contains(name) == true && report.errors.first?.contains("repair index") == true, "\(report.errors)")
        #expect(report.warnings.isEmpty, "packs the damaged index listed must not be called leftovers: \(report.warnings)")
        // prune refuses: the packs only the damaged file listed would look unused.
        let packsBefore = try t.files("data").sorted()
        let refused = await #expect(throws: LifeboatError.self) { try await repo.prune() }
        #expect(refused?.message.contains(name) == true && refused?.message.contains("repair index") == true, "\(refused?.message ?? "")")
        #expect(try t.files("data").sorted() == packsBefore, "a refused prune deleted packs")

        let repair = try await repo.repairIndex()
        #expect(repair.damagedIndexFiles == ["index/\(name)"])
        #expect(repair.packsIndexed > 0 && repair.blobsIndexed > 0)
        #expect(repair.unreadablePacks.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: victim) || damage == .swap && (try? t.files("index").contains(victim)) == false)
        let clean = try await repo.check(readData: true)
        #expect(clean.errors.isEmpty && clean.warnings.isEmpty, "\(clean.errors) \(clean.warnings)")
        // Nothing needed is lost: prune now runs, and every snapshot restores again.
        _ = try await repo.prune()
        #expect(try await repo.check(readData: true).errors.isEmpty)
        for (n, (backup, tree)) in backups.enumerated() {
            try await Self.expectRestores(repo, backup.id, as: tree, into: t.dir.appending("again\(n)"))
        }
    }

    @Test func repairOfAnIntactIndexChangesNothing() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        _ = try await Self.threeBackups(t)
        let before = try t.files("index").sorted()
        let repair = try await t.repo.repairIndex()
        #expect(repair.damagedIndexFiles.isEmpty && repair.packsIndexed == 0 && repair.indexFilesWritten == 0)
        #expect(try t.files("index").sorted() == before)
    }

    @Test(arguments: Damage.allCases)
    func damagedSnapshotManifestHidesOnlyItself(damage: Damage) async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let (_, backups) = try await Self.threeBackups(t)
        let victimID = backups[1].0.id
        let manifests = try t.files("snapshots")
        let victim = try #require(manifests.first { $0.hasSuffix(victimID.hex) })
        let other = try #require(manifests.first { !$0.hasSuffix(victimID.hex) })
        try Self.damage(victim, damage, other: other)

        let repo = try await t.reopen()
        let listing = try await repo.listSnapshots()
        #expect(listing.records.map(\.id) == [backups[0].0.id, backups[2].0.id])
        #expect(listing.damaged.map(\.id) == [victimID])
        #expect(listing.damaged.first?.reason.contains(victimID.hex) == true, "\(listing.damaged)")
        #expect(try await repo.snapshots().map(\.id) == [backups[0].0.id, backups[2].0.id])
        #expect(try await repo.findSnapshot("latest").id == backups[2].0.id)
        // Asking for the damaged one names it.
        let named = await #expect(throws: LifeboatError.self) { try await repo.findSnapshot(String(victimID.hex.prefix(10))) }
        #expect(named?.code == .corrupted)
        #expect(named?.message.contains(victimID.short) == true, "\(named?.message ?? "")")
        // The others restore bit for bit.
        try await Self.expectRestores(repo, backups[0].0.id, as: backups[0].1, into: t.dir.appending("first"))
        try await Self.expectRestores(repo, backups[2].0.id, as: backups[2].1, into: t.dir.appending("third"))
        // check names it; prune refuses rather than drop what it may need.
        let report = try await repo.check(readData: true)
        #expect(report.errors.contains { $0.contains(victimID.short) || $0.contains(victimID.hex) }, "\(report.errors)")
        let refused = await #expect(throws: LifeboatError.self) { try await repo.prune() }
        #expect(refused?.message.contains(victimID.short) == true)
    }

    @Test func restoreRemovesTheTemporariesOfAKilledRestore() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let (_, backups) = try await Self.threeBackups(t)
        let out = t.dir.appending("out")
        try FileManager.default.createDirectory(atPath: out + "/node", withIntermediateDirectories: true)
        // What a kill -9 mid-restore leaves: temporaries at the top and in a subdirectory, plus
        // files of the operator's own that only look alike and must stay.
        let leftovers = [out + "/node/.lifeboat-restore-0123456789ab", out + "/node/.lifeboat-restore-a1b2c3d4e5f6"]
        let kept = [out + "/node/.lifeboat-restore-notes", out + "/node/.lifeboat-restore-0123456789AB"]
        for path in leftovers + kept { try Data("partial".utf8).write(to: URL(fileURLWithPath: path)) }
        var options = RestoreOptions(target: out)
        options.force = true
        let (last, tree) = backups[2]
        let result = try await t.repo.restore(try await t.repo.findSnapshot(last.id.hex), options: options)
        #expect(result.failures.isEmpty)
        #expect(result.temporariesRemoved == 2)
        for path in leftovers { #expect(!FileManager.default.fileExists(atPath: path), "\(path) left behind") }
        for path in kept { #expect(FileManager.default.fileExists(atPath: path), "\(path) is not ours and was deleted") }
        let restored = try TreeSnapshot(out + "/node").entries.filter { !$0.key.hasPrefix(".lifeboat-restore-") }
        #expect(restored == tree.entries)
    }
}
