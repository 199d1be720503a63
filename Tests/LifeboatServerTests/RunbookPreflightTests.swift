import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatTestSupport
import Testing

@testable import LifeboatJobs
@testable import LifeboatRepository

#if canImport(Glibc)
    import Glibc
#endif

/// Reasons a node restore would fail late, found in its first step instead.
@Suite(.serialized) struct RunbookPreflightTests {
    static func snapshot(daysOld: Double, tags: [String], now: Date) throws -> SnapshotRecord {
        let id = try #require(ObjectID(hex: String(repeating: "ab", count: 32)))
        return SnapshotRecord(
            id: id,
            snapshot: Snapshot(
                time: now.addingTimeInterval(-daysOld * 86_400), host: "h", username: "u", tags: tags, node: "validator-1",
                kind: .state, paths: [], tree: id, parent: nil, summary: Snapshot.Summary(), program: "lifeboat test"))
    }

    /// Splice: a validator cannot catch up from beyond the sequencer pruning window of 30
    /// days, nor from a backup of another migration id.
    @Test func spliceBackupsOutsideTheWindowOrFromAnotherMigrationAreRefused() throws {
        let now = Date()
        let validator = NodeConfiguration(name: "validator-1", profile: .canton, migrationID: 4)
        #expect(
            NodeRestoreRunbook.spliceProblem(
                node: validator, snapshot: try Self.snapshot(daysOld: 29, tags: ["migration:4"], now: now), now: now) == nil)
        let old = NodeRestoreRunbook.spliceProblem(
            node: validator, snapshot: try Self.snapshot(daysOld: 31, tags: ["migration:4"], now: now), now: now)
        #expect(old?.contains("31 days old") == true && old?.contains("30 days") == true, "\(old ?? "")")
        let other = NodeRestoreRunbook.spliceProblem(
            node: validator, snapshot: try Self.snapshot(daysOld: 1, tags: ["migration:3"], now: now), now: now)
        #expect(other?.contains("migration id 3") == true && other?.contains("migration id 4") == true, "\(other ?? "")")
        // A backup that recorded no migration id (taken before migration_id was set) is not refused for it.
        #expect(
            NodeRestoreRunbook.spliceProblem(node: validator, snapshot: try Self.snapshot(daysOld: 1, tags: [], now: now), now: now) == nil)
        // The window is Splice's: a Nuts node's old backup is not refused for it.
        let nuts = NodeConfiguration(name: "nuts-1", profile: .nuts)
        #expect(NodeRestoreRunbook.spliceProblem(node: nuts, snapshot: try Self.snapshot(daysOld: 90, tags: [], now: now), now: now) == nil)
    }

    @Test func theToolsADatabaseRestoreRunsAreListed() {
        let node = NodeConfiguration(
            name: "n",
            stores: [
                .postgres(PostgresStore(databases: [PostgresDatabase(name: "db", url: "postgresql://u@127.0.0.1/db")])),
                .redis(RedisStore(url: "redis://127.0.0.1")),
            ])
        // These are installed here (the suite's own PostgreSQL and Redis tests use them).
        #expect(NodeRestoreRunbook.missingTools(node).isEmpty)
        #expect(NodeRestoreRunbook.missingTools(NodeConfiguration(name: "files", stores: [.sqlite(path: "/x.db")])).isEmpty)
    }

    /// The room asked for beside the datadir: the staged copy and the databases' rollback
    /// copies, with 10 % to spare; the message names both parts.
    @Test func theDatabasesRollbackCopiesCountInTheSpaceNeeded() {
        let mib: Int64 = 1 << 20
        #expect(NodeRestoreRunbook.spaceProblem(free: 110 * mib, needed: 100 * mib, copies: 0, datadir: "/d") == nil)
        let short = NodeRestoreRunbook.spaceProblem(free: 110 * mib, needed: 100 * mib, copies: 40 * mib, datadir: "/d")
        #expect(short?.contains("the databases' rollback copies about 40") == true, "\(short ?? "")")
        #expect(short?.hasSuffix("plus 10 %") == true)
        #expect(NodeRestoreRunbook.spaceProblem(free: 155 * mib, needed: 100 * mib, copies: 40 * mib, datadir: "/d") == nil)
        #expect(
            NodeRestoreRunbook.spaceProblem(free: 109 * mib, needed: 100 * mib, copies: 0, datadir: "/d")?.contains("rollback") == false)
    }

    /// A PATH without the client tools: each one the stores' restore runs is named, in store
    /// order; one executable found in any PATH directory counts, a non-executable file does not.
    @Test func missingClientToolsAreNamedFromThePath() throws {
        let node = NodeConfiguration(
            name: "n",
            stores: [
                .postgres(PostgresStore(databases: [PostgresDatabase(name: "db", url: "postgresql://u@127.0.0.1/db")])),
                .redis(RedisStore(url: "redis://127.0.0.1")),
            ])
        let dir = try TemporaryDirectory(prefix: "lifeboat-tools")
        defer { dir.remove() }
        let empty = dir.appending("empty")
        let some = dir.appending("some")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: some, withIntermediateDirectories: true)
        // pg_restore and psql restore PostgreSQL custom-format dumps; redis-cli talks to Redis.
        #expect(NodeRestoreRunbook.missingTools(node, searchPath: empty) == ["pg_restore", "psql", "redis-cli"])
        #expect(NodeRestoreRunbook.missingTools(node, searchPath: "") == ["pg_restore", "psql", "redis-cli"])
        _ = FileManager.default.createFile(
            atPath: some + "/psql", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        _ = FileManager.default.createFile(atPath: some + "/redis-cli", contents: Data(), attributes: [.posixPermissions: 0o644])
        #expect(NodeRestoreRunbook.missingTools(node, searchPath: "\(empty):\(some)") == ["pg_restore", "redis-cli"])
    }

    /// An identity file that does not decrypt the dump is found before the node is stopped.
    @Test func aWrongIdentityFileFailsBeforeTheNodeIsTouched() async throws {
        let s = try await NodeRestoreTests.setUp(version: "5.4")
        let h = s.harness
        defer {
            NodeRestoreTests.stopRestarted(s.pidFile)
            s.node.kill()
            Task { await h.stop() }
        }
        _ = try await NodeRestoreTests.backUp(s)
        let wrong = h.dir.appending("other.key")
        _ = try IdentityKeygen.write(to: wrong)
        let marker = s.node.datadir + "/network/after-backup.txt"
        try Data("kept".utf8).write(to: URL(fileURLWithPath: marker))
        let restore = try await h.call(
            .POST, "/api/v1/nodes/nuts-1/node-restores", body: #"{"identityDump": "latest", "identityFile": "\#(wrong)"}"#)
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 120)
        #expect(job["state"] as? String == "Failed")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("step check failed") && error.lowercased().contains("identit"), "\(error)")
        #expect(FileManager.default.fileExists(atPath: marker), "the node's data was touched")
        #expect(try LoopbackHTTP.request("GET", port: s.node.port, path: "/status").status == 200, "the node was stopped")
    }

    /// The staged copy needs the backup's size plus 10 % beside the datadir. On a real 6 MiB
    /// tmpfs holding a node of 4 MB (mounting needs root, as scripts/test and CI run) the
    /// runbook stops in its check step, and nothing of the node is moved or staged.
    @Test func noSpaceForTheStagedCopyFailsBeforeTheNodeIsTouched() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-runbook-space")
        let fs = dir.appending("fs")
        try FileManager.default.createDirectory(atPath: fs, withIntermediateDirectories: false)
        guard mount("tmpfs", fs, "tmpfs", 0, "size=6m,mode=0700") == 0 else {
            Issue.record("mounting a 6 MiB tmpfs failed (\(String(cString: strerror(errno)))); run the tests as root")
            dir.remove()
            return
        }
        defer {
            umount2(fs, Int32(MNT_DETACH))
            dir.remove()
        }
        let datadir = fs + "/node"
        try FileManager.default.createDirectory(atPath: datadir + "/events", withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: URL(fileURLWithPath: datadir + "/events/a.bin"))
        let yaml =
            DaemonHarness.configHead(in: dir) + """

                nodes:
                  - name: n1
                    datadir: \(datadir)
                    stores: [{type: dir, path: events}]
                    backups: {interval: 1h, max: 5, repositories: [primary]}
                """
        let h = try await DaemonHarness(dir: dir, configuration: yaml)
        let backup = try await h.waitForJob(
            try #require((try await h.call(.POST, "/api/v1/nodes/n1/backups").json as? [String: Any])?["id"] as? Int64))
        #expect(backup["state"] as? String == "Completed", "\(backup)")

        let restore = try await h.call(.POST, "/api/v1/nodes/n1/node-restores", body: "{}")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 120)
        #expect(job["state"] as? String == "Failed")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("step check failed") && error.contains("free next to \(datadir)"), "\(error)")
        #expect(error.contains("plus 10 %"), "\(error)")
        #expect(FileManager.default.contents(atPath: datadir + "/events/a.bin") == Data(bytes), "the node's data was touched")
        let left = try FileManager.default.contentsOfDirectory(atPath: fs)
        #expect(left == ["node"], "nothing staged, moved aside or journalled beside the datadir: \(left)")
        await h.stop(keep: true)
    }
}
