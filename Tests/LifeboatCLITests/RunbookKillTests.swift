import Foundation
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` of `lifeboat serve` at every step of a node restore, and the next start
/// finishing or undoing it: before the stop the node is never touched; from the stop until
/// the keys are in place it is rolled back; from the start on the restore is resumed and
/// completes. Each kill lands at a known point: `LIFEBOAT_RUNBOOK_HOLD` makes the daemon
/// wait there after writing its journal, and the test checks the journal and the datadir
/// show the step under way before it kills.
@Suite(.serialized) struct RunbookKillTests {
    struct LifeboatTestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ text: String) { description = text }
    }

    static let token = "runbook-kill-operator-token"

    /// One demo node (a Nuts 5.3 stand-in that keeps writing), backed up once, and the daemon's config.
    final class Setup: @unchecked Sendable {
        let dir: TemporaryDirectory
        let node: DemoNodeProcess
        let pidFile: String
        let config: String
        let port: Int
        var datadir: String { node.datadir }
        var parent: String { dir.path }

        /// `extraStores`: more entries for the node's flow-style store list.
        init(extraStores: String = "") throws {
            dir = try TemporaryDirectory(prefix: "lifeboat-runbook-kill")
            let datadir = dir.appending("nuts")
            pidFile = dir.appending("nuts.pid")
            node = try DemoNodeProcess.start(
                datadir: datadir, arguments: ["--nuts-version", "5.3", "--write-interval", "50ms", "--pid-file", pidFile])
            port = try LoopbackHTTP.freePort()
            let log = dir.appending("restarted.log")
            let start =
                "nohup \(DemoNodeProcess.binary) --datadir \(datadir) --listen 127.0.0.1:\(node.port) --nuts-version 5.3 --pid-file \(pidFile) >> \(log) 2>&1 < /dev/null &"
            let yaml = """
                listen: 127.0.0.1:\(port)
                catalog: \(dir.appending("catalog.sqlite"))
                repositories:
                  primary: {url: \(dir.appending("repo")), password_env: LIFEBOAT_TEST_REPO_PASSWORD}
                api:
                  tokens: [{name: ops, role: operator, sha256: \(ServeCLITests.sha256Hex(RunbookKillTests.token))}]
                jobs: {shutdown_grace: 2s}
                nodes:
                  - name: nuts-1
                    profile: nuts
                    version: "5.3"
                    datadir: \(datadir)
                    stores: [{type: sqlite, path: network/data.db}, {type: sqlite, path: vdr/didstore.db}, {type: sqlite, path: vcr/backup-issued-credentials.db}, {type: file, path: vcr/trusted_issuers.yaml}\(extraStores)]
                    backups: {interval: 24h, max: 5, repositories: [primary]}
                    control:
                      pid_file: \(pidFile)
                      start: "\(start.replacingOccurrences(of: "\"", with: "\\\""))"
                      url: http://127.0.0.1:\(node.port)
                      timeout: 60s
                """
            config = dir.appending("lifeboat.yaml")
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: config))
        }

        /// Starts `lifeboat serve`, with the hold point if given, and waits until it answers.
        func startDaemon(hold: String? = nil, initialise: Bool = false) async throws -> Process {
            var extra = ["LIFEBOAT_TEST_REPO_PASSWORD": "kill-pass"]
            if let hold { extra["LIFEBOAT_RUNBOOK_HOLD"] = hold }
            let cli = CLI(password: nil, extra: extra)
            let daemon = Process()
            daemon.executableURL = URL(fileURLWithPath: CLI.binary)
            daemon.arguments = ["serve", "--config", config] + (initialise ? ["--init-repositories"] : [])
            daemon.environment = cli.environment
            daemon.standardInput = FileHandle.nullDevice
            let logPath = dir.appending("daemon.log")
            if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            log.seekToEndOfFile()
            daemon.standardOutput = log
            daemon.standardError = log
            try daemon.run()
            try? log.close()
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if (try? LoopbackHTTP.request("GET", port: port, path: "/readyz", timeout: 2))?.status == 200 { return daemon }
                try await Task.sleep(for: .milliseconds(100))
            }
            await RunbookKillTests.killNine(daemon)
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: "/tmp/rk-daemon.log")
            try? FileManager.default.copyItem(atPath: logPath, toPath: "/tmp/rk-daemon.log")
            throw LifeboatTestFailure("lifeboat serve did not become ready:\n" + String(text.suffix(2000)))
        }

        func call(_ method: String, _ path: String, body: String = "") throws -> LoopbackHTTP.Response {
            try LoopbackHTTP.request(
                method, port: port, path: path,
                headers: ["Authorization": "Bearer \(RunbookKillTests.token)", "Content-Type": "application/json"],
                body: Data(body.utf8), timeout: 30)
        }

        /// Waits until job `id` has ended and returns it.
        func waitForJob(_ id: Int64, timeout: TimeInterval = 180) async throws -> [String: Any] {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let job = try call("GET", "/api/v1/jobs/\(id)").json, let state = job["state"] as? String,
                    state != "Pending" && state != "Running"
                {
                    return job
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw LifeboatTestFailure("job \(id) did not end within \(Int(timeout)) s")
        }

        /// The recovery job the daemon started for restore job `id`, once it has ended.
        func recoveryJob(for id: Int64) async throws -> [String: Any] {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let jobs =
                    (try? JSONSerialization.jsonObject(with: try call("GET", "/api/v1/jobs?node=nuts-1&limit=100").body))
                    as? [[String: Any]]
                if let found = jobs?.first(where: {
                    $0["trigger"] as? String == "recovery" && ($0["triggerDetail"] as? String)?.hasPrefix("restore job \(id) ") == true
                }), let recovery = found["id"] as? Int64 {
                    return try await waitForJob(recovery)
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw LifeboatTestFailure("no recovery job for restore job \(id)")
        }

        var nodePID: pid_t? {
            (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }

        var nodeAnswers: Bool { (try? LoopbackHTTP.request("GET", port: node.port, path: "/status", timeout: 2))?.status == 200 }

        func journal(_ job: Int64) -> String { parent + "/.lifeboat-runbook-nuts-1-job\(job).json" }
        func rollback(_ job: Int64) -> String { parent + "/.lifeboat-rollback-nuts-1-job\(job)" }
        func staging(_ job: Int64) -> String { parent + "/.lifeboat-staging-nuts-1-job\(job)" }

        func stop() {
            if let pid = nodePID { kill(pid, SIGKILL) }
            _ = node.kill()
            dir.remove()
        }
    }

    /// `kill -9` and reap (with waitpid: Foundation's waitUntilExit can miss the exit of a killed child).
    static func killNine(_ process: Process) async {
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno == ECHILD) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// What the next start must do for a kill at a step.
    enum Expected { case untouched, rolledBack, resumed }

    static func expected(_ point: String) -> Expected {
        let step = String(point.split(separator: ":")[0])
        if ["check", "stage"].contains(step) { return .untouched }
        if ["start", "wait-healthy", "reprocess", "verify"].contains(step) { return .resumed }
        return .rolledBack
    }

    /// Every step of the plan, and a kill halfway through moving entries aside and putting them in place.
    static let points = [
        "check", "stage", "stop", "move-aside", "move-aside:1", "restore-stores", "restore-stores:2", "restore-side-files", "restore-keys",
        "start", "wait-healthy", "reprocess", "verify",
    ]

    @Test func aKillAtEveryStepIsFinishedOrRolledBackOnTheNextStart() async throws {
        let s = try Setup()
        defer { s.stop() }
        var daemon = try await s.startDaemon(initialise: true)
        defer { kill(daemon.processIdentifier, SIGKILL) }
        // The node writes all along, during the backup too; this backup is the restore point.
        try await Task.sleep(for: .milliseconds(500))
        let backup = try s.call("POST", "/api/v1/nodes/nuts-1/backups")
        let backupJob = try await s.waitForJob(try #require(backup.json?["id"] as? Int64))
        #expect(backupJob["state"] as? String == "Completed", "\(backupJob)")
        await Self.killNine(daemon)

        // The plan's steps, from the documented runbook order (not from the product).
        var planned = Set(Self.points.map { String($0.split(separator: ":")[0]) })
        for point in Self.points {
            planned.remove(String(point.split(separator: ":")[0]))
            // Data the node has now and the backup lacks: present after a rollback, absent after a restore.
            let marker = s.datadir + "/network/written-before-\(point.replacingOccurrences(of: ":", with: "-")).txt"
            try Data(point.utf8).write(to: URL(fileURLWithPath: marker))
            // events/ is never in a backup (the node rebuilds it): only the rollback copy can bring this back.
            let eventsMarker = s.datadir + "/events/kept-\(point.replacingOccurrences(of: ":", with: "-"))"
            try Data(point.utf8).write(to: URL(fileURLWithPath: eventsMarker))
            let pidBefore = try #require(s.nodePID)

            daemon = try await s.startDaemon(hold: point)
            let started = try s.call("POST", "/api/v1/nodes/nuts-1/node-restores", body: "{}")
            #expect(started.status == 202, "\(point): \(started.text)")
            let job = try #require(started.json?["id"] as? Int64)
            let held = s.journal(job) + ".held"
            let deadline = Date().addingTimeInterval(120)
            while !FileManager.default.fileExists(atPath: held) && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(FileManager.default.fileExists(atPath: held), "\(point): the runbook never reached its hold point")

            // The kill lands mid-restore: the journal names the step, and the datadir shows it under way.
            let journal = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.journal(job)))) as? [String: Any])
            let step = String(point.split(separator: ":")[0])
            #expect(journal["step"] as? String == step, "\(point): \(journal)")
            let aside = (try? FileManager.default.contentsOfDirectory(atPath: s.rollback(job))) ?? []
            switch point {
            case "move-aside:1":
                #expect(aside.count == 1, "\(point): one entry moved aside: \(aside)")
                #expect(FileManager.default.fileExists(atPath: s.datadir + "/vdr"), "\(point): the rest not yet")
            case "restore-stores:2":
                #expect((journal["placed"] as? [String])?.count == 2, "\(point): \(journal)")
                let staged = (try? FileManager.default.contentsOfDirectory(atPath: s.staging(job))) ?? []
                #expect(staged.contains { ["network", "vcr", "vdr"].contains($0) }, "\(point): entries still staged: \(staged)")
            default: break
            }
            let stopped = s.nodeAnswers == false
            if Self.expected(point) == .untouched || point == "stop" { #expect(!stopped, "\(point): node still up") }
            if point == "start" || point.hasPrefix("restore") || point.hasPrefix("move-aside") {
                #expect(stopped, "\(point): node is down")
            }
            if ["reprocess", "verify"].contains(point) { #expect(!stopped, "\(point): node started again") }

            await Self.killNine(daemon)
            daemon = try await s.startDaemon()
            let recovery = try await s.recoveryJob(for: job)
            let message = (recovery["error"] as? String) ?? ""
            #expect(recovery["state"] as? String == "Completed", "\(point): \(recovery)")
            let original = try s.call("GET", "/api/v1/jobs/\(job)").json
            #expect(original?["state"] as? String == "Failed", "\(point): the killed job is marked failed")

            #expect(s.nodeAnswers, "\(point): the node serves again")
            #expect(!FileManager.default.fileExists(atPath: s.journal(job)), "\(point): journal removed")
            #expect(!FileManager.default.fileExists(atPath: s.rollback(job)), "\(point): rollback copy removed")
            #expect(!FileManager.default.fileExists(atPath: s.staging(job)), "\(point): staging removed")
            switch Self.expected(point) {
            case .untouched:
                #expect(message.contains("before the node was touched"), "\(point): \(message)")
                #expect(s.nodePID == pidBefore && kill(pidBefore, 0) == 0, "\(point): the node was never stopped")
                #expect(FileManager.default.fileExists(atPath: marker), "\(point): node data untouched")
            case .rolledBack:
                #expect(message.contains("interrupted in step \(step): rolled back"), "\(point): \(message)")
                #expect(FileManager.default.fileExists(atPath: marker), "\(point): the node's data is back")
                #expect(FileManager.default.fileExists(atPath: eventsMarker), "\(point): events/ back from the rollback copy")
            case .resumed:
                #expect(message.contains("resumed from \(step) and completed"), "\(point): \(message)")
                #expect(!FileManager.default.fileExists(atPath: marker), "\(point): the backup's data is in place")
                #expect(!FileManager.default.fileExists(atPath: eventsMarker), "\(point): the old events/ went with the rollback copy")
            }
            for store in ["network/data.db", "vdr/didstore.db", "vcr/backup-issued-credentials.db"] {
                #expect(try SQLiteProbe.integrityCheck(s.datadir + "/" + store) == "ok", "\(point): \(store)")
            }
            await Self.killNine(daemon)
        }
        #expect(planned.isEmpty, "every step had a kill")
    }

    /// A kill after the restore loaded the backup into the node's PostgreSQL database: the
    /// next start rolls the database back from the copy taken before the load, so the rows
    /// written after the backup are there again (a real PostgreSQL cluster).
    @Test func aKillAfterTheDatabaseWasLoadedRollsItBack() async throws {
        let pgDir = try TemporaryDirectory(prefix: "lifeboat-runbook-kill-pg")
        defer { pgDir.remove() }
        let pg = try await PostgresCluster.start(directory: pgDir.appending("pg"))
        defer { pg.stop() }
        try pg.sql("postgres", "CREATE DATABASE ledger")
        try pg.sql("ledger", "CREATE TABLE entries (id int PRIMARY KEY); INSERT INTO entries SELECT generate_series(1, 100)")
        let s = try Setup(extraStores: ", {type: postgres, databases: [{name: ledger, url: \"\(pg.url("ledger"))\", tables: [entries]}]}")
        defer { s.stop() }
        var daemon = try await s.startDaemon(initialise: true)
        defer { kill(daemon.processIdentifier, SIGKILL) }
        let backup = try s.call("POST", "/api/v1/nodes/nuts-1/backups")
        let backupJob = try await s.waitForJob(try #require(backup.json?["id"] as? Int64))
        #expect(backupJob["state"] as? String == "Completed", "\(backupJob)")
        await Self.killNine(daemon)
        try pg.sql("ledger", "INSERT INTO entries SELECT generate_series(101, 130)")

        daemon = try await s.startDaemon(hold: "restore-side-files")
        let started = try s.call("POST", "/api/v1/nodes/nuts-1/node-restores", body: "{}")
        let job = try #require(started.json?["id"] as? Int64)
        let held = s.journal(job) + ".held"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: held) && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(FileManager.default.fileExists(atPath: held), "the runbook never reached its hold point")
        // The kill lands with the backup loaded and the copy of the node's database beside it.
        #expect(try pg.sql("ledger", "SELECT count(*) FROM entries") == "100", "the backup was loaded")
        let copies = (try? FileManager.default.contentsOfDirectory(atPath: s.rollback(job) + "/.lifeboat-databases")) ?? []
        #expect(copies.contains("databases.json") && copies.contains("postgres-ledger.dump"), "\(copies)")

        await Self.killNine(daemon)
        daemon = try await s.startDaemon()
        let recovery = try await s.recoveryJob(for: job)
        let message = (recovery["error"] as? String) ?? ""
        #expect(recovery["state"] as? String == "Completed", "\(recovery)")
        #expect(message.contains("rolled back") && message.contains("database ledger as it was"), "\(message)")
        #expect(try pg.sql("ledger", "SELECT count(*) FROM entries") == "130", "the rows written after the backup are back")
        #expect(s.nodeAnswers, "the node serves again")
        #expect(!FileManager.default.fileExists(atPath: s.rollback(job)), "rollback copy removed")
        await Self.killNine(daemon)
    }
}
