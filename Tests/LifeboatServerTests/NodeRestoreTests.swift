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

/// The restore runbook end to end with real processes: the demo node (a Nuts stand-in)
/// under write load, backed up by the daemon while it writes, killed and its datadir deleted,
/// restored by `node-restores`, serving again with the reprocess calls its version needs,
/// writing on, and verified against the diagnostics recorded around the capture.
@Suite(.serialized) struct NodeRestoreTests {
    struct Setup {
        let harness: DaemonHarness
        let node: DemoNodeProcess
        let pidFile: String
        let identityFile: String
    }

    /// With `shelf`, the node writes its own store copies to `DIR/shelf` every second and
    /// the daemon backs up that shelf (plus the side file) instead of the store files; with
    /// `storeFormat` "bbolt" its stores are BBolt files, as a real Nuts 5 node's are; the
    /// default start command waits `startDelay` seconds first.
    static func setUp(
        version: String, startCommand: String? = nil, shelf: Bool = false, storeFormat: String = "sqlite", startDelay: Int = 0
    ) async throws
        -> Setup
    {
        let dir = try TemporaryDirectory(prefix: "lifeboat-runbook")
        let datadir = dir.appending("nuts")
        let pidFile = dir.appending("nuts.pid")
        let shelfArguments =
            (shelf ? ["--shelf-dir", dir.appending("shelf"), "--shelf-interval", "1s"] : []) + ["--store-format", storeFormat]
        let node = try DemoNodeProcess.start(
            datadir: datadir, arguments: ["--nuts-version", version, "--write-interval", "50ms", "--pid-file", pidFile] + shelfArguments)
        let identityFile = dir.appending("identity.key")
        let recipient = try IdentityKeygen.write(to: identityFile)
        let log = dir.appending("restarted.log")
        let start =
            startCommand
            ?? (startDelay > 0 ? "sleep \(startDelay); " : "")
            + "nohup \(DemoNodeProcess.binary) --datadir \(datadir) --listen 127.0.0.1:\(node.port) --nuts-version \(version) --write-interval 50ms --pid-file \(pidFile) \(shelfArguments.joined(separator: " ")) > \(log) 2>&1 < /dev/null &"
        var stores = [
            "{type: sqlite, path: network/data.db}", "{type: sqlite, path: vdr/didstore.db}",
            "{type: sqlite, path: vcr/backup-issued-credentials.db}", "{type: file, path: vcr/trusted_issuers.yaml}",
        ]
        if version == "5.4" {
            stores += ["{type: sqlite, path: vcr/backup-credentials.db}", "{type: sqlite, path: vcr/backup-revoked-credentials.db}"]
        }
        if shelf { stores = ["{type: shelf, directory: \(dir.appending("shelf"))}", "{type: file, path: vcr/trusted_issuers.yaml}"] }
        let yaml =
            DaemonHarness.configHead(in: dir) + """

                nodes:
                  - name: nuts-1
                    profile: nuts
                    version: "\(version)"
                    datadir: \(datadir)
                    stores: [\(stores.joined(separator: ", "))]
                    backups: {interval: 1h, max: 5, repositories: [primary]}
                    identity:
                      interval: 1h
                      max: 5
                      repositories: [primary]
                      source: {type: fs, directory: crypto}
                      recipients: [\(recipient.encoded)]
                    control:
                      pid_file: \(pidFile)
                      start: "\(start.replacingOccurrences(of: "\"", with: "\\\""))"
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

    /// Dumps the node's keys and backs it up while it keeps writing; returns the backup job and
    /// the diagnostics record the snapshot carries.
    static func backUp(_ s: Setup) async throws -> (backup: [String: Any], recorded: [String: Any]) {
        let h = s.harness
        try await Task.sleep(for: .milliseconds(500))
        let dump = try await h.call(.POST, "/api/v1/nodes/nuts-1/identity-dumps")
        let dumpJob = try await h.waitForJob(try #require((dump.json as? [String: Any])?["id"] as? Int64))
        #expect(dumpJob["state"] as? String == "Completed", "\(dumpJob)")
        let started = try await h.call(.POST, "/api/v1/nodes/nuts-1/backups")
        let backup = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        let state = try #require(try s.node.get("/internal/demo/v1/state").json)
        #expect((state["workload"] as? [String: Any])?["paused"] as? Bool == false, "the node wrote throughout the backup")
        let repo = try await h.daemon.repositories.repository("primary")
        let record = try await repo.findSnapshot(try #require(backup["snapshot"] as? String), node: "nuts-1", kind: .state)
        let bytes = try await repo.readSmallFile(record, path: Self.recordPath(record, datadir: s.node.datadir))
        return (backup, try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]))
    }

    /// Where a snapshot keeps the diagnostics record: beside the stores in the datadir's layout,
    /// under the datadir's absolute path when the stores lie outside it (a shelf).
    static func recordPath(_ record: SnapshotRecord, datadir: String) -> String {
        record.snapshot.paths.allSatisfy { $0.hasPrefix(datadir + "/") }
            ? ".lifeboat/diagnostics.json" : String(datadir.dropFirst()) + "/.lifeboat/diagnostics.json"
    }

    /// `network.state.transaction_count` of a diagnostics document.
    static func transactions(_ diagnostics: Any?) -> Int? {
        (((diagnostics as? [String: Any])?["network"] as? [String: Any])?["state"] as? [String: Any])?["transaction_count"] as? Int
    }

    /// Checks the record brackets the capture of a node that wrote during it, and that the
    /// restored node came up at least at the capture and writes on.
    static func expectRestoredAndWriting(_ s: Setup, recorded: [String: Any]) async throws {
        #expect(recorded["format"] as? Int == 2)
        let before = try #require(transactions(recorded["diagnostics"]))
        let after = try #require(transactions(recorded["after"]))
        #expect(before <= after, "\(before) before the capture, \(after) after")
        let now = try #require(transactions(try s.node.get("/status/diagnostics").json))
        #expect(now >= before, "the restored node has \(now) transactions, the capture at least \(before)")
        // The restored node keeps writing, as a real node does.
        let deadline = Date().addingTimeInterval(20)
        var later = now
        while later <= now, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            later = transactions(try s.node.get("/status/diagnostics").json) ?? now
        }
        #expect(later > now, "the restored node wrote nothing in 20 s")
    }

    @Test(arguments: ["5.0", "5.3", "5.4"])
    func killedNodeWithDeletedDatadirComesBack(version: String) async throws {
        let s = try await Self.setUp(version: version)
        let h = s.harness
        defer {
            Self.stopRestarted(s.pidFile)
            s.node.kill()
            Task { await h.stop() }
        }
        let (_, recorded) = try await Self.backUp(s)

        // Disaster: the node dies and its datadir is gone, keys included.
        s.node.kill()
        try FileManager.default.removeItem(atPath: s.node.datadir)

        let plan = try await h.call(.GET, "/api/v1/nodes/nuts-1/restore-plan", token: DaemonHarness.operatorToken)
        let steps = try #require(plan.json as? [[String: Any]])
        #expect(
            steps.map { $0["id"] as? String ?? "" } == [
                "check", "stage", "stop", "move-aside", "restore-stores", "restore-side-files", "restore-keys", "start", "wait-healthy",
                "reprocess", "verify",
            ])
        #expect(!FileManager.default.fileExists(atPath: s.node.datadir), "--plan touched nothing")

        let restore = try await h.call(
            .POST, "/api/v1/nodes/nuts-1/node-restores", body: #"{"identityDump": "latest", "identityFile": "\#(s.identityFile)"}"#)
        #expect(restore.status == 202, "\(restore.text)")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 180)
        #expect(job["state"] as? String == "Completed", "\(job)")
        #expect(job["error"] == nil, "warnings: \(job)")

        // The node serves again, with the keys back and the data it had.
        let status = try LoopbackHTTP.request("GET", port: s.node.port, path: "/status")
        #expect(status.status == 200)
        let keys = try FileManager.default.contentsOfDirectory(atPath: s.node.datadir + "/crypto").filter { $0.hasSuffix("_private.pem") }
        #expect(keys.count >= 1)
        try await Self.expectRestoredAndWriting(s, recorded: recorded)

        // Reprocess calls arrived, escaped so that the node decoded the exact types.
        let log = (try? String(contentsOfFile: s.node.datadir + "/reprocess.log", encoding: .utf8)) ?? ""
        let types = log.split(separator: "\n").compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["type"] as? String
        }
        let expected = NodeProfiles.nutsReprocessTypes(version: version)
        #expect(types == expected, "reprocess log: \(log)")
        if version != "5.4" { #expect(log.contains("%2B") && log.contains("%3B"), "raw queries: \(log)") }
    }

    /// Nuts 5 on BBolt: the daemon backs up the node's shelf, and the runbook puts each
    /// shelf copy back at the datadir path the node reads it from.
    @Test(arguments: ["5.3", "5.4"])
    func aNodeBackedUpThroughItsShelfComesBack(version: String) async throws {
        try await Self.restoreThroughTheShelf(version: version, storeFormat: "sqlite")
    }

    /// The same runbook with the node's stores in real BBolt files: the node's shelf copies
    /// them under its write lock, and the files put back are BBolt by an independent reading.
    @Test(arguments: ["5.3", "5.4"])
    func aBBoltNodeBackedUpThroughItsShelfComesBack(version: String) async throws {
        try await Self.restoreThroughTheShelf(version: version, storeFormat: "bbolt")
    }

    /// Backs the node up through its shelf, deletes its datadir and shelf, restores it with
    /// the runbook and compares the diagnostics; checks the restored store files' format.
    static func restoreThroughTheShelf(version: String, storeFormat: String) async throws {
        let s = try await Self.setUp(version: version, shelf: true, storeFormat: storeFormat)
        let h = s.harness
        defer {
            Self.stopRestarted(s.pidFile)
            s.node.kill()
            Task { await h.stop() }
        }
        let (_, recorded) = try await Self.backUp(s)
        let shelf = (s.node.datadir as NSString).deletingLastPathComponent + "/shelf"
        s.node.kill()
        try FileManager.default.removeItem(atPath: s.node.datadir)
        try FileManager.default.removeItem(atPath: shelf)

        let restore = try await h.call(
            .POST, "/api/v1/nodes/nuts-1/node-restores", body: #"{"identityDump": "latest", "identityFile": "\#(s.identityFile)"}"#)
        #expect(restore.status == 202, "\(restore.text)")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 180)
        #expect(job["state"] as? String == "Completed", "\(job)")
        try await Self.expectRestoredAndWriting(s, recorded: recorded)
        // The restored node writes on: hold it still (SIGSTOP) while its files are read.
        let pid = try #require(
            (try? String(contentsOfFile: s.pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        try await Task.sleep(for: .milliseconds(300))
        // The documented store files of this release are back at their datadir paths.
        var expected = ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"]
        if version == "5.4" { expected += ["vcr/backup-credentials.db", "vcr/backup-revoked-credentials.db"] }
        for file in expected {
            let path = s.node.datadir + "/" + file
            if storeFormat == "bbolt" {
                #expect(StoreFormatCheck.isBBolt(path), "\(file)")
                let report = try BBoltProbe.check(path)
                #expect(report.validMetas == 2, "\(file)")
            } else {
                #expect(try SQLiteProbe.integrityCheck(path) == "ok", "\(file)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: s.node.datadir + "/vcr/trusted_issuers.yaml"))
        if storeFormat == "bbolt" {
            let transactions = try BBoltProbe.check(s.node.datadir + "/network/data.db").root.buckets["transactions"]?.values.count ?? 0
            let before = Self.transactions(recorded["diagnostics"]) ?? 0
            #expect(transactions >= before && before > 0, "\(transactions) transactions in the restored file, \(before) before the capture")
        }
    }

    /// A shelf that had not copied every store when the backup ran is found while staging,
    /// before the node is stopped: nothing is moved.
    @Test func anIncompleteShelfCopyFailsBeforeTheNodeIsTouched() async throws {
        let s = try await Self.setUp(version: "5.4", shelf: true)
        let h = s.harness
        defer {
            Self.stopRestarted(s.pidFile)
            s.node.kill()
            Task { await h.stop() }
        }
        try await Task.sleep(for: .milliseconds(2500))
        // Hold the shelf still (the node writes it), then lose one copy before the backup.
        // (The backup's diagnostics request times out meanwhile; it is recorded as a warning.)
        kill(s.node.processID, SIGSTOP)
        let shelf = (s.node.datadir as NSString).deletingLastPathComponent + "/shelf"
        try FileManager.default.removeItem(atPath: shelf + "/vdr/didstore.db")
        let started = try await h.call(.POST, "/api/v1/nodes/nuts-1/backups")
        let backup = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64), timeout: 120)
        kill(s.node.processID, SIGCONT)
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        let marker = s.node.datadir + "/network/after-backup.txt"
        try Data("the node's own data".utf8).write(to: URL(fileURLWithPath: marker))

        let restore = try await h.call(.POST, "/api/v1/nodes/nuts-1/node-restores", body: "{}")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 120)
        #expect(job["state"] as? String == "Failed")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("step stage failed") && error.contains("vdr/didstore.db"), "\(error)")
        #expect(!error.contains("--rollback"), "nothing was moved aside: \(error)")
        #expect(FileManager.default.fileExists(atPath: marker), "the node's data was touched")
        #expect(FileManager.default.fileExists(atPath: s.node.datadir + "/events"))
        #expect(kill(s.node.processID, 0) == 0, "the node was stopped")
        #expect(try LoopbackHTTP.request("GET", port: s.node.port, path: "/status").status == 200)
    }

    /// A step that fails after the node was stopped rolls the node back by itself: the data
    /// it had (including what it wrote after the backup) is back, and the job says so.
    @Test func aFailedStepAfterTheStopRollsBackByItself() async throws {
        let s = try await Self.setUp(version: "5.3", startCommand: "echo 'node binary not found' >&2; exit 7")
        let h = s.harness
        defer {
            Self.stopRestarted(s.pidFile)
            s.node.kill()
            Task { await h.stop() }
        }
        _ = try await Self.backUp(s)
        let marker = s.node.datadir + "/network/after-backup.txt"
        try Data("written after the backup".utf8).write(to: URL(fileURLWithPath: marker))

        let restore = try await h.call(.POST, "/api/v1/nodes/nuts-1/node-restores", body: "{}")
        let jobID = try #require((restore.json as? [String: Any])?["id"] as? Int64)
        let job = try await h.waitForJob(jobID, timeout: 180)
        #expect(job["state"] as? String == "Failed")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("step start failed") && error.contains("exit status 7"), "\(error)")
        #expect(error.contains("rolled back: put back") && error.contains("events"), "\(error)")
        // Starting the node again fails the same way, and the job says that too.
        #expect(error.contains("the node did not start again"), "\(error)")
        #expect(!error.contains("--rollback"), "nothing is left for the operator to roll back: \(error)")
        #expect(FileManager.default.fileExists(atPath: marker), "the node's own data is back")
        // events/ is never in a backup: only the rollback copy can have brought it back.
        #expect(FileManager.default.fileExists(atPath: s.node.datadir + "/events"))
        #expect(try SQLiteProbe.integrityCheck(s.node.datadir + "/network/data.db") == "ok")
        let parent = (s.node.datadir as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(".lifeboat-") }
        #expect(leftovers.isEmpty, "rollback, staging and journal are gone: \(leftovers)")
    }

    /// With `noRollback` the failed restore is left as it stopped, with a rollback copy the
    /// operator can put back by hand (once).
    @Test func noRollbackLeavesTheRollbackCopyToTheOperator() async throws {
        let s = try await Self.setUp(version: "5.3", startCommand: "echo 'node binary not found' >&2; exit 7")
        let h = s.harness
        defer {
            Self.stopRestarted(s.pidFile)
            s.node.kill()
            Task { await h.stop() }
        }
        _ = try await Self.backUp(s)
        let marker = s.node.datadir + "/network/after-backup.txt"
        try Data("written after the backup".utf8).write(to: URL(fileURLWithPath: marker))

        let restore = try await h.call(.POST, "/api/v1/nodes/nuts-1/node-restores", body: #"{"noRollback": true}"#)
        #expect(restore.status == 202, "\(restore.text)")
        let jobID = try #require((restore.json as? [String: Any])?["id"] as? Int64)
        let job = try await h.waitForJob(jobID, timeout: 180)
        #expect(job["state"] as? String == "Failed")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("step start failed") && error.contains("exit status 7"), "\(error)")
        #expect(error.contains("--no-rollback") && error.contains("--rollback \(jobID)"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the restored data is in place")
        #expect(!FileManager.default.fileExists(atPath: s.node.datadir + "/events"), "events/ was moved aside")

        let rollback = try await h.call(.POST, "/api/v1/jobs/\(jobID)/rollback")
        #expect(rollback.status == 202, "\(rollback.text)")
        let rolled = try await h.waitForJob(try #require((rollback.json as? [String: Any])?["id"] as? Int64), timeout: 120)
        // The start command still fails, so the rollback job reports it — but the data is back first.
        #expect((rolled["error"] as? String)?.contains("put back") == true, "\(rolled)")
        #expect(FileManager.default.fileExists(atPath: marker), "rollback put the previous data back: \(rolled)")
        #expect(FileManager.default.fileExists(atPath: s.node.datadir + "/events"))
        #expect(try SQLiteProbe.integrityCheck(s.node.datadir + "/network/data.db") == "ok")
        let again = try await h.call(.POST, "/api/v1/jobs/\(jobID)/rollback")
        let second = try await h.waitForJob(try #require((again.json as? [String: Any])?["id"] as? Int64))
        #expect(second["state"] as? String == "Failed")
        #expect((second["error"] as? String)?.contains("no rollback copy") == true)
        let bad = try await h.call(.POST, "/api/v1/nodes/nuts-1/node-restores", body: #"{"noRollback": "yes"}"#)
        #expect(bad.status == 422 || bad.status == 400, "\(bad.text)")
        #expect(bad.text.contains("noRollback"), "\(bad.text)")
    }

    /// A snapshot whose stores are older than its diagnostics — an earlier backup's stores with
    /// a later backup's record, put together with the repository's own backup as the old
    /// in-datadir record was — restores, but the verify step fails naming the count that shows
    /// the node came up on older data; the previous data stays for a rollback.
    @Test func storesOlderThanTheirDiagnosticsFailVerify() async throws {
        let s = try await Self.setUp(version: "5.4")
        let h = s.harness
        defer {
            Self.stopRestarted(s.pidFile)
            s.node.kill()
            Task { await h.stop() }
        }
        let (older, _) = try await Self.backUp(s)
        // The node writes on; a second backup a while later records later diagnostics.
        let first = Self.transactions(try s.node.get("/status/diagnostics").json) ?? 0
        let deadline = Date().addingTimeInterval(30)
        while (Self.transactions(try s.node.get("/status/diagnostics").json) ?? 0) < first + 40, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        let (_, newerRecord) = try await Self.backUp(s)
        s.node.kill()

        let repo = try await h.daemon.repositories.repository("primary")
        let old = try await repo.findSnapshot(try #require(older["snapshot"] as? String), node: "nuts-1", kind: .state)
        let newer = try await repo.findSnapshot("latest", node: "nuts-1", kind: .state)
        // The older stores in the datadir, the newer record beside them, backed up as one snapshot.
        // The dead node's module directories go first: a SQLite WAL left beside an older
        // database would be read with it and bring the newer state back.
        for module in ["network", "vcr", "vdr", "events"] { try FileManager.default.removeItem(atPath: s.node.datadir + "/" + module) }
        var restoreOptions = RestoreOptions(target: s.node.datadir)
        restoreOptions.force = true
        _ = try await repo.restore(old, options: restoreOptions)
        let record = s.node.datadir + "/.lifeboat/diagnostics.json"
        try FileManager.default.createDirectory(atPath: s.node.datadir + "/.lifeboat", withIntermediateDirectories: true)
        try Data(try await repo.readSmallFile(newer, path: ".lifeboat/diagnostics.json")).write(to: URL(fileURLWithPath: record))
        var options = BackupOptions()
        options.node = "nuts-1"
        options.kind = .state
        options.root = s.node.datadir
        options.tags = ["profile:nuts"]
        let mixed = try await repo.backup(paths: old.snapshot.paths + [s.node.datadir + "/.lifeboat"], options: options)
        let olderCount = Self.transactions(try await Self.diagnosticsOf(repo, old)) ?? 0
        let recordedCount = Self.transactions(newerRecord["diagnostics"]) ?? 0
        #expect(recordedCount >= olderCount + 40, "the newer record has \(recordedCount) transactions, the older stores \(olderCount)")

        let restore = try await h.call(.POST, "/api/v1/nodes/nuts-1/node-restores", body: #"{"backup": "\#(mixed.id.hex)"}"#)
        #expect(restore.status == 202, "\(restore.text)")
        let jobID = try #require((restore.json as? [String: Any])?["id"] as? Int64)
        let job = try await h.waitForJob(jobID, timeout: 180)
        #expect(job["state"] as? String == "Failed", "\(job)")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("step verify failed"), "\(error)")
        #expect(error.contains("network.state.transaction_count"), "\(error)")
        #expect(error.contains("older data than the backup's"), "\(error)")
        // A failure after the stop rolls the node back by itself.
        #expect(error.contains("rolled back: put back"), "\(error)")
        let parent = (s.node.datadir as NSString).deletingLastPathComponent
        #expect(!FileManager.default.fileExists(atPath: parent + "/.lifeboat-rollback-nuts-1-job\(jobID)"))
    }

    /// The `diagnostics` reading a snapshot's record holds.
    static func diagnosticsOf(_ repo: Repository, _ record: SnapshotRecord) async throws -> Any? {
        let bytes = try await repo.readSmallFile(record, path: ".lifeboat/diagnostics.json")
        return (try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["after"]
    }

    /// Diagnostics JSON with keys sorted, for comparison.
    static func normalized(_ data: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data),
            let out = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return "" }
        return String(decoding: out, as: UTF8.self)
    }
}
