import Foundation
import LifeboatCore
import LifeboatRepository
import LifeboatTestSupport
import Testing

@Suite struct RoundTripTests {
    /// Random trees, backed up and mutated over several generations: every generation's
    /// snapshot restores to exactly the tree it was taken of.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func randomTreesRoundTrip(seed: UInt64) async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = t.dir.appending("node")
        var tree = RandomTree(root: source, seed: seed)
        try tree.populate()
        var generations: [(ObjectID, TreeSnapshot)] = []
        for generation in 0..<3 {
            if generation > 0 { try tree.mutate() }
            let result = try await t.repo.backup(paths: [source], options: BackupOptions())
            #expect(result.warnings.isEmpty)
            generations.append((result.id, try TreeSnapshot(source)))
        }
        for (i, (id, expected)) in generations.enumerated() {
            let target = t.dir.appending("restore-\(i)")
            let record = try await t.repo.findSnapshot(id.hex)
            let result = try await t.repo.restore(record, options: RestoreOptions(target: target))
            #expect(result.failures.isEmpty)
            let restored = try TreeSnapshot(target + "/node")
            #expect(restored.differences(expected).isEmpty, "seed \(seed) generation \(i): \(restored.differences(expected))")
        }
        let report = try await t.repo.check(readData: true)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }

    @Test func unchangedTreeAddsAlmostNothing() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = t.dir.appending("node")
        var tree = RandomTree(root: source, seed: 99)
        try tree.populate()
        let first = try await t.repo.backup(paths: [source], options: BackupOptions())
        let second = try await t.repo.backup(paths: [source], options: BackupOptions())
        #expect(first.snapshot.summary.bytesAdded > 0)
        #expect(second.snapshot.summary.blobsAdded == 0)
        #expect(second.snapshot.summary.filesRead == 0)
        #expect(second.snapshot.tree == first.snapshot.tree)
        #expect(second.snapshot.parent == first.id)
    }

    @Test func includePatternsRestoreOnlyMatches() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = try t.makeDirectory("node")
        try FileManager.default.createDirectory(atPath: source + "/vcr", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: source + "/vdr", withIntermediateDirectories: true)
        try Data("a".utf8).write(to: URL(fileURLWithPath: source + "/vcr/trusted_issuers.yaml"))
        try Data("b".utf8).write(to: URL(fileURLWithPath: source + "/vdr/didstore.db"))
        let snap = try await t.repo.backup(paths: [source], options: BackupOptions())
        var options = RestoreOptions(target: t.dir.appending("out"))
        options.include = ["node/vcr/*.yaml"]
        let result = try await t.repo.restore(try await t.repo.findSnapshot(snap.id.hex), options: options)
        #expect(result.files == 1)
        #expect(FileManager.default.fileExists(atPath: t.dir.appending("out/node/vcr/trusted_issuers.yaml")))
        #expect(!FileManager.default.fileExists(atPath: t.dir.appending("out/node/vdr/didstore.db")))
    }

    @Test func nonEmptyTargetIsRefusedWithoutForce() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = try t.makeDirectory("node")
        try Data("new".utf8).write(to: URL(fileURLWithPath: source + "/file"))
        let snap = try await t.repo.backup(paths: [source], options: BackupOptions())
        let target = try t.makeDirectory("out")
        try FileManager.default.createDirectory(atPath: target + "/node", withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: target + "/node/file"))
        let record = try await t.repo.findSnapshot("latest")
        let error = await #expect(throws: LifeboatError.self) {
            try await t.repo.restore(record, options: RestoreOptions(target: target))
        }
        #expect(error?.code == .alreadyExists)
        #expect(try String(contentsOfFile: target + "/node/file", encoding: .utf8) == "old")
        var force = RestoreOptions(target: target)
        force.force = true
        _ = try await t.repo.restore(record, options: force)
        #expect(try String(contentsOfFile: target + "/node/file", encoding: .utf8) == "new")
        _ = snap
    }
}
