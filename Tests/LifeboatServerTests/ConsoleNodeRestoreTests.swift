import AsyncHTTPClient
import Foundation
import LifeboatCatalog
import LifeboatCore
import LifeboatTestSupport
import NIOHTTP1
import Testing

@testable import LifeboatJobs
@testable import LifeboatServer

/// The console's node restore (admins only), the runbook steps a job records and the API
/// shows as `steps`, and a backup's page with every store's capture time.
@Suite(.serialized) struct ConsoleNodeRestoreTests {
    static func backUp(_ h: DaemonHarness) async throws -> String {
        let started = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        let job = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(job["state"] as? String == "Completed", "\(job)")
        return try #require(job["snapshot"] as? String)
    }

    @Test func onlyAnAdminGetsTheNodeRestoreFormAndAForgedPostIsRefused() async throws {
        let h = try await DaemonHarness()
        let viewer = ConsoleBrowser(port: h.port)
        let operatorBrowser = ConsoleBrowser(port: h.port)
        let admin = ConsoleBrowser(port: h.port)
        defer {
            Task {
                await viewer.close(); await operatorBrowser.close(); await admin.close(); await h.stop()
            }
        }
        _ = try await Self.backUp(h)
        for (browser, token, role) in [
            (viewer, DaemonHarness.viewerToken, "viewer"), (operatorBrowser, DaemonHarness.operatorToken, "operator"),
        ] {
            _ = try await browser.signIn(token)
            let page = try await browser.request(.GET, "/nodes/n1/backups")
            #expect(page.status == 200)
            #expect(!page.text.contains("/node-restore"), "\(role) sees a node restore link")
            #expect(page.text.contains("needs the admin role; you are signed in as \(role)"))
            let plan = try await browser.request(.GET, "/nodes/n1/node-restore?backup=latest")
            #expect(plan.status == 403 && !plan.text.contains("node-restore-form"), "\(role): \(plan.status)")
            // A post with the session's own valid CSRF token is still refused for the role.
            let csrf = try #require(ConsoleBrowser.csrf(page.text))
            let forged = try await browser.request(.POST, "/nodes/n1/node-restores", form: [("csrf", csrf), ("backup", "latest")])
            #expect(forged.status == 403 && forged.text.contains("needs admin"), "\(role): \(forged.text)")
        }
        _ = try await admin.signIn(DaemonHarness.adminToken)
        let backups = try await admin.request(.GET, "/nodes/n1/backups")
        #expect(backups.text.contains("id=\"plan-node-restore-link\""))
        let form = try await admin.request(.GET, "/nodes/n1/node-restore")
        #expect(form.status == 200 && form.text.contains("node-restore-plan-form") && !form.text.contains("id=\"plan\""))
        let plan = try await admin.request(.GET, "/nodes/n1/node-restore?backup=latest&identityDump=")
        #expect(plan.status == 200)
        #expect(plan.text.components(separatedBy: "<tr data-step-id=").count - 1 == 11, "the plan lists the 11 steps")
        #expect(plan.text.contains("id=\"node-restore-form\""))
        #expect(!plan.text.contains("nr-original-stopped"), "the fencing override is offered only with an identity dump")
        let csrf = try #require(ConsoleBrowser.csrf(plan.text))
        let forgedToken = (csrf.first == "0" ? "1" : "0") + csrf.dropFirst()
        let forged = try await admin.request(.POST, "/nodes/n1/node-restores", form: [("csrf", forgedToken), ("backup", "latest")])
        #expect(forged.status == 403)
        // An identity file outside the restore roots is named, on the plan as on the post.
        let outside = try await admin.request(.GET, "/nodes/n1/node-restore?backup=latest&identityDump=latest&identityFile=/etc/passwd")
        #expect(outside.text.contains("id=\"plan-error\"") && outside.text.contains("identityFile"), "\(outside.text)")
        let refused = try await admin.request(
            .POST, "/nodes/n1/node-restores", form: [("csrf", csrf), ("backup", "latest"), ("identityDump", "latest")])
        #expect(refused.status == 422 && refused.text.contains("identityFile"), "\(refused.text)")
        // The fencing override is read from the form, and refused without an identity dump.
        let override = try await admin.request(
            .POST, "/nodes/n1/node-restores", form: [("csrf", csrf), ("backup", "latest"), ("iHaveStoppedTheOriginal", "on")])
        #expect(override.status == 422 && override.text.contains("iHaveStoppedTheOriginal"), "\(override.text)")
        #expect(try await h.daemon.catalog.jobs(node: "n1", kind: .restore).isEmpty, "nothing was started")
    }

    /// The admin starts a node restore of n1 from the console; the job page and the API's
    /// `steps` show every step with its final state, message and times.
    @Test func aNodeRestoreStartedInTheConsoleRecordsEveryStep() async throws {
        let h = try await DaemonHarness()
        let admin = ConsoleBrowser(port: h.port)
        defer {
            Task {
                await admin.close(); await h.stop()
            }
        }
        let snapshot = try await Self.backUp(h)
        // After the backup the node loses a file; the restore brings it back.
        try FileManager.default.removeItem(atPath: h.datadir + "/events/1.json")
        _ = try await admin.signIn(DaemonHarness.adminToken)
        let plan = try await admin.request(.GET, "/nodes/n1/node-restore?backup=\(snapshot)")
        let csrf = try #require(ConsoleBrowser.csrf(plan.text))
        let start = try await admin.request(.POST, "/nodes/n1/node-restores", form: [("csrf", csrf), ("backup", snapshot)])
        #expect(start.status == 303, "\(start.text)")
        let location = try #require(start.location)
        let id = try #require(Int64(location.replacingOccurrences(of: "/jobs/", with: "")))
        let job = try await h.waitForJob(id, timeout: 120)
        #expect(job["state"] as? String == "Completed", "\(job)")
        #expect(job["triggerDetail"] as? String == "console, token root")
        #expect(FileManager.default.fileExists(atPath: h.datadir + "/events/1.json"))

        let steps = try #require(job["steps"] as? [[String: Any]], "\(job)")
        #expect(
            steps.map { $0["id"] as? String ?? "" } == [
                "check", "stage", "stop", "move-aside", "restore-stores", "restore-side-files", "restore-keys", "start", "wait-healthy",
                "reprocess", "verify",
            ])
        let status = Dictionary(uniqueKeysWithValues: steps.map { ($0["id"] as? String ?? "", $0["status"] as? String ?? "") })
        #expect(status["check"] == "done" && status["stage"] == "done" && status["restore-stores"] == "done", "\(status)")
        // No start command for n1: the runbook says so instead of claiming it started.
        #expect(status["start"] == "warning" && status["wait-healthy"] == "skipped", "\(status)")
        #expect(steps.allSatisfy { ["done", "warning", "skipped"].contains($0["status"] as? String ?? "") }, "\(steps)")
        let stage = try #require(steps.first { $0["id"] as? String == "stage" })
        #expect((stage["message"] as? String)?.contains("verified") == true, "\(stage)")
        for step in steps where step["status"] as? String != "skipped" {
            let started = try #require((step["startedAt"] as? String).flatMap(ISO8601.parse), "\(step)")
            let ended = try #require((step["endedAt"] as? String).flatMap(ISO8601.parse), "\(step)")
            #expect(started <= ended, "\(step)")
        }
        // Job lists stay light: steps only in the view of one job.
        let list = try #require(try await h.call(.GET, "/api/v1/jobs?node=n1", token: DaemonHarness.viewerToken).json as? [[String: Any]])
        #expect(list.allSatisfy { $0["steps"] == nil })

        let page = try await admin.request(.GET, location)
        #expect(page.status == 200 && page.text.contains("data-state=\"Completed\""))
        #expect(page.text.components(separatedBy: "<tr data-step=").count - 1 == 11)
        #expect(page.text.contains("data-step-id=\"restore-stores\" data-status=\"done\""))
        // A node restore not started yet: the table waits for the script to fill it.
        let pending = try await h.daemon.catalog.createJob(node: "n1", kind: .restore, trigger: .api)
        let waiting = try await admin.request(.GET, "/jobs/\(pending.id)")
        #expect(waiting.text.contains("id=\"steps\"") && waiting.text.contains("js-no-steps"), "\(waiting.text)")
        // The live JSON the page polls carries the same steps.
        let live = try await admin.request(.GET, "/console/jobs/\(id)")
        #expect(live.text.contains("\"steps\":[") && live.text.contains("\"id\":\"verify\""))
    }

    /// A node restore that fails in its first step records that step as failed and the
    /// others as not run.
    @Test func aFailedNodeRestoreMarksTheStepsThatNeverRan() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        _ = try await Self.backUp(h)
        let started = try await h.call(.POST, "/api/v1/nodes/n1/node-restores", body: #"{"backup": "abcdef"}"#)
        #expect(started.status == 202, "\(started.text)")
        let job = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(job["state"] as? String == "Failed")
        let steps = try #require(job["steps"] as? [[String: Any]], "\(job)")
        #expect(steps.count == 11)
        #expect(steps.first?["status"] as? String == "failed")
        #expect((steps.first?["message"] as? String)?.contains("abcdef") == true, "\(steps[0])")
        #expect(
            steps.dropFirst().allSatisfy {
                $0["status"] as? String == "skipped" && $0["message"] as? String == "not run: step check failed"
            })
    }

    /// A backup's page shows when each store was captured: the live SQLite capture, the
    /// newest file of a directory, and each shelf copy by its modification time.
    @Test func aBackupsPageShowsEveryStoresCaptureTime() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-captures")
        let datadir = dir.appending("node")
        try FileManager.default.createDirectory(atPath: datadir + "/events", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.appending("shelf/network"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.appending("shelf/vdr"), withIntermediateDirectories: true)
        try DaemonHarness.makeDatabase(datadir + "/data.db", rows: 50)
        try Data("event".utf8).write(to: URL(fileURLWithPath: datadir + "/events/1.json"))
        // Two shelf copies written at different moments, as a node's own tickers write them.
        let network = Date(timeIntervalSince1970: 1_795_000_000)
        let vdr = Date(timeIntervalSince1970: 1_795_000_420)
        for (path, date) in [("shelf/network/data.db", network), ("shelf/vdr/didstore.db", vdr)] {
            try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: dir.appending(path)))
            try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: dir.appending(path))
        }
        let eventsTime = Date(timeIntervalSince1970: 1_795_000_100)
        try FileManager.default.setAttributes([.modificationDate: eventsTime], ofItemAtPath: datadir + "/events/1.json")
        let yaml =
            DaemonHarness.configHead(in: dir) + """

                nodes:
                  - name: n1
                    datadir: \(datadir)
                    stores:
                      - {type: sqlite, path: data.db}
                      - {type: dir, path: events}
                      - {type: shelf, directory: \(dir.appending("shelf"))}
                    backups: {interval: 1h, max: 5, repositories: [primary]}
                """
        let h = try await DaemonHarness(dir: dir, configuration: yaml)
        let viewer = ConsoleBrowser(port: h.port)
        defer {
            Task {
                await viewer.close(); await h.stop()
            }
        }
        let before = Date()
        let snapshot = try await Self.backUp(h)
        let after = Date()
        let repo = try await h.daemon.repositories.repository("primary")
        let record = try await repo.findSnapshot(snapshot)
        let node = try #require(h.daemon.configuration.node(named: "n1"))
        let captures = try await StoreCaptures.read(node: node, repository: repo, record: record)
        #expect(captures.map(\.type) == ["sqlite", "dir", "shelf", "shelf"], "\(captures)")
        let sqlite = try #require(captures.first)
        #expect(sqlite.method == "live SQLite snapshot")
        let sqliteTime = try #require(sqlite.capturedAt)
        #expect(sqliteTime >= before.addingTimeInterval(-1) && sqliteTime <= after, "\(sqliteTime)")
        #expect(captures[1].capturedAt == eventsTime)
        #expect(captures[2].store.hasSuffix("shelf/network/data.db") && captures[2].capturedAt == network, "\(captures[2])")
        #expect(captures[3].store.hasSuffix("shelf/vdr/didstore.db") && captures[3].capturedAt == vdr, "\(captures[3])")

        _ = try await viewer.signIn(DaemonHarness.viewerToken)
        let backups = try await viewer.request(.GET, "/nodes/n1/backups")
        #expect(backups.text.contains("href=\"/nodes/n1/backups/\(snapshot)\""))
        let page = try await viewer.request(.GET, "/nodes/n1/backups/\(snapshot)")
        #expect(page.status == 200, "\(page.text)")
        for date in [network, vdr, eventsTime, sqliteTime] {
            #expect(page.text.contains("datetime=\"\(ISO8601.format(date))\""), "\(ISO8601.format(date)) missing")
        }
        #expect(page.text.contains("live SQLite snapshot") && page.text.contains("shelf copy written by the node"))
        #expect(page.text.contains("id=\"capture-spread\""))
        #expect(!page.text.contains("plan-from-backup"), "a viewer is not offered a node restore")
        #expect(try await viewer.request(.GET, "/nodes/n1/backups/ffff0000").status == 404)
    }
}
