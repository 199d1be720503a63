import Foundation
import LifeboatCore
import LifeboatRepository
import LifeboatTestSupport
import Testing

/// `Repository.copy`: re-keyed copies between two local repositories.
@Suite struct CopyTests {
    @Test func copiesOnlyWhatTheTargetLacksAndRestoresIdentically() async throws {
        let f = try await Fixture()
        defer { f.dir.remove() }
        let target = try await Fixture.makeRepository(at: f.dir.appending("offsite"))
        let source = try f.directory("node")
        try FileManager.default.createDirectory(atPath: source + "/data", withIntermediateDirectories: true)
        let big = pseudoRandomBytes(6_000_000, seed: 11)
        try Data(big).write(to: URL(fileURLWithPath: source + "/data/big.bin"))
        try Data("small".utf8).write(to: URL(fileURLWithPath: source + "/data/small.txt"))
        try FileManager.default.createSymbolicLink(atPath: source + "/data/link", withDestinationPath: "small.txt")
        var options = BackupOptions()
        options.node = "nuts-1"
        options.streams = [StreamEntry(path: "redis/dump.rdb", producer: BytesProducer(pseudoRandomBytes(300_000, seed: 3)))]
        let first = try await f.repo.backup(paths: [source], options: options)

        let copied = try await f.repo.copy(try await f.repo.snapshots(), to: target)
        #expect(copied.copied.count == 1)
        #expect(copied.skipped.isEmpty)
        #expect(copied.bytesAdded >= 6_000_000)
        let copies = try await target.snapshots()
        #expect(copies.count == 1)
        #expect(copies[0].snapshot.origin?.snapshot == first.id)
        #expect(copies[0].snapshot.origin?.repository == f.repo.config.id)
        #expect(copies[0].snapshot.node == "nuts-1")
        #expect(copies[0].snapshot.streams == ["redis/dump.rdb"])
        // Keys differ, so the ids of the same content differ too.
        #expect(copies[0].snapshot.tree != first.snapshot.tree)

        // Copying again sends nothing.
        let again = try await f.repo.copy(try await f.repo.snapshots(), to: target)
        #expect(again.copied.isEmpty)
        #expect(again.skipped.count == 1)
        #expect(again.blobsAdded == 0)
        #expect(try await target.snapshots().count == 1)

        // A new snapshot with a small change sends about the change.
        var changed = big
        for i in 3_000_000..<3_000_100 { changed[i] ^= 0xff }
        try Data(changed).write(to: URL(fileURLWithPath: source + "/data/big.bin"))
        options.streams = []
        _ = try await f.repo.backup(paths: [source], options: options)
        let incremental = try await f.repo.copy(try await f.repo.snapshots(), to: target)
        #expect(incremental.copied.count == 1)
        #expect(incremental.skipped.count == 1)
        #expect(incremental.bytesAdded < 2_500_000, "\(incremental.bytesAdded) bytes sent for a 100-byte change")

        // The copies restore byte for byte, and the target checks clean reading every pack.
        let latest = try await target.findSnapshot("latest")
        #expect(latest.snapshot.parent == copies[0].id)
        let out = f.dir.appending("out")
        let restored = try await target.restore(latest, options: RestoreOptions(target: out))
        #expect(restored.failures.isEmpty)
        #expect(contents(out + "/node/data/big.bin") == changed)
        #expect(contents(out + "/node/data/small.txt") == Array("small".utf8))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: out + "/node/data/link")) == "small.txt")
        let firstCopy = f.dir.appending("out-first")
        _ = try await target.restore(copies[0], options: RestoreOptions(target: firstCopy))
        #expect(contents(firstCopy + "/node/data/big.bin") == big)
        #expect(contents(firstCopy + "/redis/dump.rdb") == pseudoRandomBytes(300_000, seed: 3))
        let report = try await target.check(readData: true)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.snapshots == 2)

        // Copying back into the source recognises the snapshots as its own.
        let back = try await target.copy(try await target.snapshots(), to: f.repo)
        #expect(back.copied.isEmpty)
        #expect(back.skipped.count == 2)
        await #expect(throws: LifeboatError.self) { try await f.repo.copy([], to: f.repo) }
    }
}
