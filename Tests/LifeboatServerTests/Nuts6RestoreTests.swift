import Foundation
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs
import LifeboatRepository
import LifeboatServer
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A Nuts 6 node (the demo node's nuts6 profile: DIDs and credentials in `sqlite.db` in the
/// datadir, keys in `crypto/`, `vcr/trusted_issuers.yaml`) backed up by the daemon with the
/// plain sqlite store and restored by the runbook.
@Suite(.serialized) struct Nuts6RestoreTests {
    struct Setup {
        let harness: DaemonHarness
        let node: DemoNodeProcess
        let pidFile: String
        let identityFile: String
    }

    static func setUp(writeInterval: String) async throws -> Setup {
        let dir = try TemporaryDirectory(prefix: "lifeboat-nuts6")
        let datadir = dir.appending("nuts")
        let pidFile = dir.appending("nuts.pid")
        let arguments = ["--profile", "nuts6", "--nuts6-version", "6.1", "--seed-transactions", "50", "--pid-file", pidFile]
        let node = try DemoNodeProcess.start(datadir: datadir, arguments: arguments + ["--write-interval", writeInterval])
        let identityFile = dir.appending("identity.key")
        let recipient = try IdentityKeygen.write(to: identityFile)
        let log = dir.appending("restarted.log")
        // The restarted node gets no new transactions (writing off), so its diagnostics after the
        // restore can be compared with the backup's exactly: a replayed stale log would show.
        let start =
            "nohup \(DemoNodeProcess.binary) --datadir \(datadir) --listen 127.0.0.1:\(node.port) \(arguments.joined(separator: " ")) --write-interval 0 > \(log) 2>&1 < /dev/null &"
        let yaml =
            DaemonHarness.configHead(in: dir) + """

                nodes:
                  - name: nuts-6
                    profile: nuts6
                    version: "6.1"
                    datadir: \(datadir)
                    stores: [{type: sqlite, path: sqlite.db}, {type: file, path: vcr/trusted_issuers.yaml}]
                    backups: {interval: 1h, max: 5, repositories: [primary]}
                    identity:
                      interval: 1h
                      max: 5
                      repositories: [primary]
                      source: {type: fs, directory: crypto}
                      recipients: [\(recipient.encoded)]
                    control:
                      pid_file: \(pidFile)
                      start: "\(start)"
                      url: http://127.0.0.1:\(node.port)
                      timeout: 60s
                """
        let harness = try await DaemonHarness(dir: dir, configuration: yaml)
        return Setup(harness: harness, node: node, pidFile: pidFile, identityFile: identityFile)
    }

    static func stopRestarted(_ pidFile: String) {
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(pid, SIGKILL)
        }
    }

    static func run(_ h: DaemonHarness, _ path: String) async throws -> [String: Any] {
        let started = try await h.call(.POST, path)
        return try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64), timeout: 180)
    }

    /// The node writes a DID document and its credential in one transaction every few
    /// milliseconds; a backup taken meanwhile holds a `sqlite.db` that passes SQLite's
    /// integrity check with as many credentials as documents.
    @Test func sqliteDBUnderWritesBacksUpAndRestoresConsistently() async throws {
        let s = try await Self.setUp(writeInterval: "2ms")
        let h = s.harness
        defer {
            s.node.kill()
            Task { await h.stop() }
        }
        try await Task.sleep(for: .milliseconds(300))
        var jobs: [[String: Any]] = []
        for _ in 0..<3 { jobs.append(try await Self.run(h, "/api/v1/nodes/nuts-6/backups")) }
        #expect(jobs.allSatisfy { $0["state"] as? String == "Completed" }, "\(jobs)")
        let repo = try await h.daemon.repositories.repository("primary")
        let records = try await repo.snapshots().filter { $0.snapshot.node == "nuts-6" }
        #expect(records.count == 3)
        var seen = Set<String>()
        for (index, record) in records.enumerated() {
            let target = h.dir.appending("restored-\(index)")
            let result = try await repo.restore(record, options: RestoreOptions(target: target))
            #expect(result.failures.isEmpty)
            let db = target + "/sqlite.db"
            #expect(try SQLiteProbe.integrityCheck(db) == "ok")
            let counts = try SQLiteProbe.query(db, "SELECT (SELECT count(*) FROM did_document) || ',' || (SELECT count(*) FROM credential)")
            let parts = counts.split(separator: ",").map { Int($0) ?? -1 }
            #expect(parts.count == 2 && parts[0] == parts[1] && parts[0] >= 50, "\(counts)")
            seen.insert(counts)
            #expect(!FileManager.default.fileExists(atPath: target + "/sqlite.db-wal"), "the capture is one self-contained file")
        }
        #expect(seen.count > 1, "the node kept writing between the backups: \(seen)")
    }

    /// Disaster on a writing node: it dies (SIGKILL, so `sqlite.db-wal` holds newer
    /// transactions) and the runbook restores the backup. The stale write-ahead log is moved
    /// aside with `sqlite.db`, no reprocess call is sent, and the diagnostics match the backup's.
    @Test func aKilledNuts6NodeComesBackWithoutReplayingItsStaleLog() async throws {
        let s = try await Self.setUp(writeInterval: "20ms")
        let h = s.harness
        defer {
            Self.stopRestarted(s.pidFile)
            s.node.kill()
            Task { await h.stop() }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try s.node.post("/internal/demo/v1/workload/pause").status == 200)
        let diagnostics = try s.node.get("/status/diagnostics", headers: ["Accept": "application/json"]).body
        #expect(try await Self.run(h, "/api/v1/nodes/nuts-6/identity-dumps")["state"] as? String == "Completed")
        let backup = try await Self.run(h, "/api/v1/nodes/nuts-6/backups")
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        // The node goes on writing after the backup, then dies with its log unmerged.
        #expect(try s.node.post("/internal/demo/v1/workload/resume").status == 200)
        try await Task.sleep(for: .milliseconds(500))
        s.node.kill()
        let wal = s.node.datadir + "/sqlite.db-wal"
        var info = stat()
        #expect(stat(wal, &info) == 0 && info.st_size > 0, "a killed node leaves its write-ahead log")
        let keysBefore = try FileManager.default.contentsOfDirectory(atPath: s.node.datadir + "/crypto").sorted()
        try FileManager.default.removeItem(atPath: s.node.datadir + "/crypto")

        let plan = try await h.call(.GET, "/api/v1/nodes/nuts-6/restore-plan", token: DaemonHarness.operatorToken)
        let steps = try #require(plan.json as? [[String: Any]])
        let moveAside = steps.first { $0["id"] as? String == "move-aside" }?["description"] as? String ?? ""
        #expect(moveAside.contains("sqlite.db, sqlite.db-wal, sqlite.db-shm"), "\(moveAside)")
        let reprocessPlan = steps.first { $0["id"] as? String == "reprocess" }?["description"] as? String ?? ""
        #expect(reprocessPlan.hasPrefix("no reprocess calls needed"), "\(reprocessPlan)")

        let restore = try await h.call(
            .POST, "/api/v1/nodes/nuts-6/node-restores", body: #"{"identityDump": "latest", "identityFile": "\#(s.identityFile)"}"#)
        #expect(restore.status == 202, "\(restore.text)")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 180)
        #expect(job["state"] as? String == "Completed", "\(job)")
        #expect(job["error"] == nil, "warnings: \(job)")

        let now = try LoopbackHTTP.request("GET", port: s.node.port, path: "/status/diagnostics", headers: ["Accept": "application/json"])
        #expect(Self.normalized(now.body) == Self.normalized(diagnostics), "diagnostics differ after restore")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.node.datadir + "/crypto").sorted() == keysBefore)
        #expect(!FileManager.default.fileExists(atPath: s.node.datadir + "/reprocess.log"))
    }

    static func normalized(_ data: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data),
            let out = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return "" }
        return String(decoding: out, as: UTF8.self)
    }
}
