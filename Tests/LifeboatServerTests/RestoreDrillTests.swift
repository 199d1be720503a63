import Crypto
import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatJobs
@testable import LifeboatServer

/// Scheduled restore drills end to end: the latest state backup restored into a scratch
/// directory and checked, the evidence in the catalog, the API, the metric and the console.
@Suite struct RestoreDrillTests {
    /// Node `n1` (SQLite `data.db` and directory `events`) with a `drills:` section.
    static func yaml(
        _ dir: TemporaryDirectory, drills: String, backups: String = "interval: 1h\nmax: 5\nrepositories: [primary]"
    )
        -> String
    {
        DaemonHarness.yaml(dir: dir, backups: backups) + "\n    drills: {\(drills)}"
    }

    static func makeNode(_ dir: TemporaryDirectory) throws {
        try FileManager.default.createDirectory(atPath: dir.appending("node/events"), withIntermediateDirectories: true)
        try Data("event one".utf8).write(to: URL(fileURLWithPath: dir.appending("node/events/1.json")))
        try DaemonHarness.makeDatabase(dir.appending("node/data.db"), rows: 300)
    }

    static func run(_ h: DaemonHarness, _ path: String, timeout: Double = 120) async throws -> [String: Any] {
        let started = try await h.call(.POST, path)
        #expect(started.status == 202, "\(path): \(started.text)")
        return try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64), timeout: timeout)
    }

    /// The digest a drill should report, computed here from a separate restore of the same
    /// backup: SHA-256 over the sorted lines `PATH SHA256` of every regular file under `root`.
    static func digest(ofTree root: String) throws -> (digest: String, files: Int) {
        var lines: [(path: String, sha: String)] = []
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        while let rel = enumerator.nextObject() as? String {
            let path = root + "/" + rel
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            lines.append((rel, Hex.encode(Array(SHA256.hash(data: data)))))
        }
        let text = lines.sorted { $0.path < $1.path }.map { "\($0.path) \($0.sha)\n" }.joined()
        return (Hex.encode(Array(SHA256.hash(data: Data(text.utf8)))), lines.count)
    }

    static func drills(_ h: DaemonHarness, node: String = "n1") async throws -> [[String: Any]] {
        let answer = try await h.call(.GET, "/api/v1/nodes/\(node)/drills", token: DaemonHarness.viewerToken)
        #expect(answer.status == 200, "\(answer.text)")
        return try #require(answer.json as? [[String: Any]])
    }

    @Test func aDrillRestoresTheLatestBackupChecksItAndRecordsTheEvidence() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-drill")
        try Self.makeNode(dir)
        let scratch = dir.appending("scratch")
        let h = try await DaemonHarness(dir: dir, configuration: Self.yaml(dir, drills: "interval: 24h, directory: \(scratch)"))
        defer { Task { await h.stop() } }

        // No backup yet: the drill fails, and says so in its evidence.
        let early = try await Self.run(h, "/api/v1/nodes/n1/drills")
        #expect(early["state"] as? String == "Failed", "\(early)")
        #expect(try await Self.drills(h).first?["passed"] as? Bool == false)

        var digests: [String] = []
        for round in 0..<2 {
            if round == 1 { try Data("event two".utf8).write(to: URL(fileURLWithPath: dir.appending("node/events/2.json"))) }
            let backup = try await Self.run(h, "/api/v1/nodes/n1/backups")
            #expect(backup["state"] as? String == "Completed", "\(backup)")
            let drill = try await Self.run(h, "/api/v1/nodes/n1/drills")
            #expect(drill["kind"] as? String == "drill")
            #expect(drill["state"] as? String == "Completed", "\(drill)")

            // The same backup restored apart, to compute what the drill should have found.
            let target = dir.appending("apart-\(round)")
            let restore = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "\#(target)"}"#)
            #expect(restore.status == 202, "\(restore.text)")
            let restored = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64))
            #expect(restored["state"] as? String == "Completed", "\(restored)")
            let expected = try Self.digest(ofTree: target)

            let evidence = try #require(try await Self.drills(h).first)
            #expect(evidence["job"] as? Int64 == drill["id"] as? Int64)
            #expect(evidence["passed"] as? Bool == true, "\(evidence)")
            #expect(evidence["snapshot"] as? String == backup["snapshot"] as? String)
            #expect(evidence["digest"] as? String == expected.digest)
            #expect(evidence["files"] as? Int == expected.files)
            #expect((evidence["bytes"] as? Int64 ?? 0) > 300 * 100, "\(evidence)")
            #expect((evidence["durationSeconds"] as? Double ?? -1) >= 0)
            let checks = try #require(evidence["checks"] as? [[String: Any]])
            let names = checks.compactMap { $0["name"] as? String }
            #expect(names.contains("restore") && names.contains("files") && names.contains("sqlite data.db"), "\(names)")
            #expect(checks.allSatisfy { $0["passed"] as? Bool == true }, "\(checks)")
            digests.append(expected.digest)
        }
        #expect(digests[0] != digests[1], "the second backup holds one more file")
        // The scratch copies are gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)
        #expect(try await Self.drills(h).count == 3)

        let metrics = try await h.call(.GET, "/metrics", token: nil).text
        let line = try #require(
            metrics.split(separator: "\n").first { $0.hasPrefix("lifeboat_drill_last_success_timestamp{node=\"n1\"}") })
        let value = try #require(Double(line.split(separator: " ").last ?? ""))
        #expect(abs(value - Date().timeIntervalSince1970) < 300, "\(line)")

        // The console's Backups page shows the drills, the last success and Drill now.
        let browser = ConsoleBrowser(port: h.port)
        defer { Task { await browser.close() } }
        _ = try await browser.signIn(DaemonHarness.operatorToken)
        let page = try await browser.request(.GET, "/nodes/n1/backups")
        #expect(page.status == 200)
        #expect(page.text.contains("id=\"drills-heading\"") && page.text.contains("id=\"run-drill\""))
        #expect(page.text.contains("Last drill that passed"))
        #expect(page.text.contains(String(digests[1].prefix(12))), "the newest drill's digest is listed")
        #expect(page.text.contains("id=\"drill-schedule\">Scheduled "))
        let drillNow = try await browser.request(
            .POST, "/nodes/n1/run", form: [("csrf", ConsoleBrowser.csrf(page.text) ?? ""), ("kind", "drill")])
        #expect(drillNow.status == 303 && drillNow.location?.hasSuffix("#drills-heading") == true, "\(drillNow.status) \(drillNow.text)")
        let latest = try #require(try await h.daemon.catalog.jobs(node: "n1", kind: .drill, limit: 1).first)
        #expect(try await h.waitForJob(latest.id.rawValue)["state"] as? String == "Completed")
    }

    @Test func aDamagedBackupFailsItsDrillWithTheCheckThatFoundIt() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-drill-bad")
        try Self.makeNode(dir)
        // A b-tree page of the table overwritten on disk: SQLite copies it as it is.
        let handle = try #require(FileHandle(forWritingAtPath: dir.appending("node/data.db")))
        try handle.seek(toOffset: 4096 + 8)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 600))
        try handle.close()
        let h = try await DaemonHarness(dir: dir, configuration: Self.yaml(dir, drills: "interval: 24h"))
        defer { Task { await h.stop() } }
        let backup = try await Self.run(h, "/api/v1/nodes/n1/backups")
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        let drill = try await Self.run(h, "/api/v1/nodes/n1/drills")
        #expect(drill["state"] as? String == "Failed", "\(drill)")
        #expect((drill["error"] as? String)?.contains("sqlite data.db") == true, "\(drill)")
        let evidence = try #require(try await Self.drills(h).first)
        #expect(evidence["passed"] as? Bool == false)
        let checks = try #require(evidence["checks"] as? [[String: Any]])
        #expect(checks.first { $0["name"] as? String == "files" }?["passed"] as? Bool == true, "the files came back as backed up")
        #expect(checks.first { $0["name"] as? String == "sqlite data.db" }?["passed"] as? Bool == false, "\(checks)")
        #expect(!(try await h.call(.GET, "/metrics", token: nil).text.contains("lifeboat_drill_last_success_timestamp{")))

        // A repository whose packs are damaged: the restore itself fails, and that is recorded.
        var damaged = 0
        let data = dir.appending("repo/data")
        let enumerator = try #require(FileManager.default.enumerator(atPath: data))
        while let rel = enumerator.nextObject() as? String {
            let path = data + "/" + rel
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let size = attributes[.size] as? Int, size > 64
            else { continue }
            let file = try #require(FileHandle(forWritingAtPath: path))
            try file.seek(toOffset: UInt64(size / 2))
            try file.write(contentsOf: Data(repeating: 0x5A, count: 32))
            try file.close()
            damaged += 1
        }
        #expect(damaged > 0)
        let second = try await Self.run(h, "/api/v1/nodes/n1/drills")
        #expect(second["state"] as? String == "Failed", "\(second)")
        let evidence2 = try #require(try await Self.drills(h).first)
        #expect(evidence2["job"] as? Int64 == second["id"] as? Int64)
        #expect(evidence2["passed"] as? Bool == false)
        #expect((evidence2["error"] as? String)?.isEmpty == false, "\(evidence2)")
    }

    @Test func theSchedulerStartsDrillsOnTheirOwnSchedule() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-drill-sched")
        defer { dir.remove() }
        try Self.makeNode(dir)
        var yaml = Self.yaml(dir, drills: "interval: 2h")
        yaml = yaml.replacingOccurrences(of: "run_missed_at_start: true", with: "run_missed_at_start: false")
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: dir.appending("lifeboat.yaml")))
        let env = ["LB_TEST_PASSWORD": DaemonHarness.password]
        let config = try LifeboatConfiguration.load(path: dir.appending("lifeboat.yaml"), environment: env)
        let clock = ManualClock(SchedulerTests.start)
        let daemon = try await Daemon(configuration: config, environment: env, clock: clock, logger: Logger(label: "t"))
        try await daemon.openRepositories(create: true)
        Task { await daemon.runner.run() }
        let t0 = SchedulerTests.start
        #expect(await daemon.scheduler.tick(now: t0).isEmpty)
        let first = await daemon.scheduler.tick(now: t0.addingTimeInterval(3600))
        #expect(first.map(\.kind) == [.backup])
        await daemon.runner.waitUntilIdle()
        let second = await daemon.scheduler.tick(now: t0.addingTimeInterval(7200))
        #expect(Set(second.map(\.kind)) == [.backup, .drill], "\(second.map(\.kind))")
        #expect(second.allSatisfy { $0.trigger == .schedule })
        await daemon.runner.waitUntilIdle()
        let drill = try #require(second.first { $0.kind == .drill })
        let done = try #require(try await daemon.catalog.job(drill.id))
        #expect(done.state == .completed, "\(done.errorMessage ?? "")")
        let evidence = try await daemon.catalog.drills(node: "n1")
        #expect(evidence.count == 1 && evidence.first?.passed == true)
        #expect(try await daemon.catalog.scheduleState(node: "n1", kind: .drill)?.nextRun == t0.addingTimeInterval(4 * 3600))
        // Paused, the drill schedule starts nothing; the backups go on.
        _ = try await daemon.scheduler.setPaused(true, node: "n1", kind: .drill)
        let third = await daemon.scheduler.tick(now: t0.addingTimeInterval(4 * 3600))
        #expect(third.map(\.kind) == [.backup], "\(third.map(\.kind))")
        await daemon.runner.waitUntilIdle()
    }

    @Test func aDrillLoadsPostgresDatabasesIntoAScratchServer() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-drill-pg")
        let node = try await PostgresCluster.start(directory: dir.appending("pg-node"))
        defer { node.stop() }
        let scratch = try await PostgresCluster.start(directory: dir.appending("pg-scratch"))
        var scratchRunning = true
        defer { if scratchRunning { scratch.stop() } }
        try node.sql("postgres", "CREATE DATABASE ledger")
        _ = try node.sql(
            "ledger",
            "CREATE TABLE entries (id int PRIMARY KEY, body text); INSERT INTO entries SELECT g, md5(g::text) FROM generate_series(1, 137) g"
        )
        try FileManager.default.createDirectory(atPath: dir.appending("ledger"), withIntermediateDirectories: true)
        try Data("side\n".utf8).write(to: URL(fileURLWithPath: dir.appending("ledger/state.txt")))
        let yaml =
            DaemonHarness.configHead(in: dir) + """

                nodes:
                  - name: ledger-1
                    datadir: \(dir.appending("ledger"))
                    stores:
                      - {type: file, path: state.txt}
                      - type: postgres
                        databases:
                          - {name: ledger, url: "\(node.url("ledger"))", tables: [entries]}
                    backups: {interval: 1h, max: 5, repositories: [primary]}
                    drills: {interval: 24h, postgres: "\(scratch.url("postgres"))"}
                """
        let h = try await DaemonHarness(dir: dir, configuration: yaml)
        defer { Task { await h.stop() } }
        let backup = try await Self.run(h, "/api/v1/nodes/ledger-1/backups")
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        // Rows written after the backup are not what the drill restores.
        _ = try node.sql("ledger", "INSERT INTO entries VALUES (1000, 'later')")
        let drill = try await Self.run(h, "/api/v1/nodes/ledger-1/drills")
        #expect(drill["state"] as? String == "Completed", "\(drill)")
        let evidence = try #require(try await Self.drills(h, node: "ledger-1").first)
        let checks = try #require(evidence["checks"] as? [[String: Any]])
        let load = try #require(checks.first { $0["name"] as? String == "postgres postgres/ledger" }, "\(checks)")
        let detail = load["detail"] as? String ?? ""
        #expect(load["passed"] as? Bool == true && detail.contains("137 rows"), "\(load)")
        #expect(checks.contains { ($0["name"] as? String)?.hasPrefix("postgres postgres/ledger.dump") == true }, "\(checks)")
        // The scratch database is gone, and the node's database was not touched.
        let left = try scratch.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'lifeboat_drill_%'")
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(left)")
        #expect(try node.sql("ledger", "SELECT count(*) FROM entries").trimmingCharacters(in: .whitespacesAndNewlines) == "138")

        // With the scratch server down, the drill fails and says the load did.
        scratch.stop()
        scratchRunning = false
        let failed = try await Self.run(h, "/api/v1/nodes/ledger-1/drills")
        #expect(failed["state"] as? String == "Failed", "\(failed)")
        let failedChecks = try #require(try await Self.drills(h, node: "ledger-1").first?["checks"] as? [[String: Any]])
        #expect(
            failedChecks.first { $0["name"] as? String == "postgres postgres scratch load" }?["passed"] as? Bool == false, "\(failedChecks)"
        )
    }

    @Test func theDrillRoutesRefuseWhatTheyCannotDo() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-drill-api")
        try Self.makeNode(dir)
        let yaml =
            Self.yaml(dir, drills: "cron: \"30 3 * * *\", timezone: Europe/Amsterdam") + """

                  - name: keys-only
                    datadir: \(dir.appending("keys"))
                    identity:
                      source: {type: fs, directory: crypto}
                      recipients: [age1242n2k6vvdyxtz3csw8azfx22guewx0agk6ddu8zdht9gtgunyaqq9te02]
                      interval: 1h
                      max: 3
                      repositories: [primary]
                """
        try FileManager.default.createDirectory(atPath: dir.appending("keys/crypto"), withIntermediateDirectories: true)
        let h = try await DaemonHarness(dir: dir, configuration: yaml)
        defer { Task { await h.stop() } }
        let o = DaemonHarness.operatorToken
        let schedule = try await h.call(.GET, "/api/v1/nodes/n1/schedules/drill", token: DaemonHarness.viewerToken)
        #expect(schedule.status == 200, "\(schedule.text)")
        let view = try #require(schedule.json as? [String: Any])
        #expect(
            view["kind"] as? String == "drill" && view["cron"] as? String == "30 3 * * *"
                && view["timezone"] as? String == "Europe/Amsterdam")
        #expect((view["nextRuns"] as? [Any])?.count == 3)
        let node = try #require(try await h.call(.GET, "/api/v1/nodes/n1", token: DaemonHarness.viewerToken).json as? [String: Any])
        #expect(((node["schedules"] as? [[String: Any]]) ?? []).map { $0["kind"] as? String } == ["backup", "identity", "drill"])

        let put = try await h.call(
            .PUT, "/api/v1/nodes/n1/schedules/drill", token: o, body: #"{"interval": "1h", "repositories": ["primary"]}"#)
        #expect(put.status == 422 && put.text.contains("drills: section"), "\(put.status) \(put.text)")
        let delete = try await h.call(.DELETE, "/api/v1/nodes/n1/schedules/drill", token: o)
        #expect(delete.status == 422, "\(delete.text)")
        let pause = try await h.call(.POST, "/api/v1/nodes/n1/schedules/drill/pause", token: o)
        #expect(pause.status == 200 && (pause.json as? [String: Any])?["paused"] as? Bool == true, "\(pause.text)")

        let noDrills = try await h.call(.GET, "/api/v1/nodes/keys-only/schedules/drill", token: o)
        #expect(noDrills.status == 404 && noDrills.text.contains("no drills: section"), "\(noDrills.text)")
        let noBackups = try await h.call(.POST, "/api/v1/nodes/keys-only/drills", token: o)
        #expect(noBackups.status == 422 && noBackups.text.contains("no state backups"), "\(noBackups.text)")
        #expect(try await h.call(.POST, "/api/v1/nodes/ghost/drills", token: o).status == 404)
        #expect(try await h.call(.POST, "/api/v1/nodes/n1/drills", token: DaemonHarness.viewerToken).status == 403)
        #expect(try await h.call(.GET, "/api/v1/nodes/n1/drills?limit=0", token: o).status == 422)
        #expect(try await h.daemon.catalog.jobs(node: "n1", kind: .drill, limit: 5).isEmpty, "nothing was started")
    }
}
