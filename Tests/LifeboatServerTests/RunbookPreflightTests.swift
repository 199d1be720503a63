import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatTestSupport
import Testing

@testable import LifeboatJobs
@testable import LifeboatRepository

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
}
