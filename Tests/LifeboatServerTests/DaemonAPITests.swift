import Foundation
import LifeboatCatalog
import LifeboatCore
import LifeboatJobs
import LifeboatServer
import LifeboatTestSupport
import Testing

@Suite(.serialized) struct DaemonAPITests {
    /// A `1s` interval with `max: 3` keeps exactly three snapshots after six runs, and the
    /// history shows every run Completed.
    @Test func intervalWithMaxKeepsExactlyThree() async throws {
        let h = try await DaemonHarness(backups: "interval: 1s\nmax: 3\nrepositories: [primary]")
        defer { Task { await h.stop() } }
        let deadline = Date().addingTimeInterval(90)
        var completed = 0
        while Date() < deadline {
            completed = try await h.daemon.catalog.countJobs(node: "n1", kind: .backup, state: .completed)
            if completed >= 6 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(completed >= 6)
        _ = try await h.call(.POST, "/api/v1/nodes/n1/schedules/backup/pause")
        await h.daemon.runner.waitUntilIdle()
        #expect(try await h.daemon.catalog.countJobs(node: "n1", kind: .backup, state: .failed) == 0)
        let repo = try await h.daemon.repositories.repository("primary")
        let snapshots = try await repo.snapshots().filter { $0.snapshot.node == "n1" }
        #expect(snapshots.count == 3)
        let history = try await h.call(.GET, "/api/v1/nodes/n1/history?kind=backup", token: DaemonHarness.viewerToken)
        let jobs = try #require(history.json as? [[String: Any]])
        #expect(jobs.count >= 6)
        #expect(jobs.allSatisfy { $0["state"] as? String == "Completed" })
        let listed = try await h.call(.GET, "/api/v1/nodes/n1/snapshots", token: DaemonHarness.viewerToken)
        #expect((listed.json as? [[String: Any]])?.count == 3)
        let report = try await repo.check(readData: true)
        #expect(report.errors.isEmpty)
    }

    @Test func backupNowThenRestoreIsVerified() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let started = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        #expect(started.status == 202)
        let job = try #require(started.json as? [String: Any])
        let backup = try await h.waitForJob(try #require(job["id"] as? Int64))
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        let snapshot = try #require(backup["snapshot"] as? String)
        #expect(backup["repositories"] as? [String] == ["primary"])

        let target = h.dir.appending("restored")
        let restore = try await h.call(
            .POST, "/api/v1/nodes/n1/restores", body: #"{"snapshot": "\#(snapshot.prefix(12))", "target": "\#(target)"}"#)
        #expect(restore.status == 202, "\(restore.text)")
        let restoreJob = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64))
        #expect(restoreJob["state"] as? String == "Completed", "\(restoreJob)")
        #expect(restoreJob["kind"] as? String == "restore")
        #expect(restoreJob["target"] as? String == target)
        #expect(restoreJob["percent"] as? Double == 100)
        #expect(FileManager.default.contentsEqual(atPath: target + "/events/1.json", andPath: h.datadir + "/events/1.json"))
        #expect(FileManager.default.fileExists(atPath: target + "/data.db"))

        // Restoring into the same, now non-empty, directory without force fails with the reason.
        let again = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "\#(target)"}"#)
        let failed = try await h.waitForJob(try #require((again.json as? [String: Any])?["id"] as? Int64))
        #expect(failed["state"] as? String == "Failed")
        #expect((failed["error"] as? String)?.contains("not empty") == true, "\(failed)")
    }

    @Test func authenticationAndRoles() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let anonymous = try await h.call(.GET, "/api/v1/nodes", token: nil)
        #expect(anonymous.status == 401)
        #expect(anonymous.contentType == "application/problem+json")
        let wrong = try await h.call(.GET, "/api/v1/nodes", token: "not-a-token")
        #expect(wrong.status == 401)
        let viewer = try await h.call(.GET, "/api/v1/nodes", token: DaemonHarness.viewerToken)
        #expect(viewer.status == 200)
        let refused = try await h.call(.POST, "/api/v1/nodes/n1/backups", token: DaemonHarness.viewerToken)
        #expect(refused.status == 403)
        #expect(
            (refused.json as? [String: Any])?["detail"] as? String == "token watcher has role viewer; this call needs operator or higher")
        #expect(try await h.daemon.catalog.countJobs() == 0)
        // Health, readiness, metrics and the API description need no token.
        for path in ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"] {
            #expect(try await h.call(.GET, path, token: nil).status == 200, "\(path)")
        }
        // The tokens never appear in what the API answers.
        let all = try await h.call(.GET, "/api/v1/jobs", token: DaemonHarness.viewerToken)
        #expect(!all.text.contains(DaemonHarness.viewerToken))
    }

    @Test func badPayloadsGet422NamingTheField() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let cron = try await h.call(
            .PUT, "/api/v1/nodes/n1/schedules/backup", body: #"{"cron": "0 */6 * *", "max": 3, "repositories": ["primary"]}"#)
        #expect(cron.status == 422)
        let problem = try #require(cron.json as? [String: Any])
        #expect(problem["field"] as? String == "cron")
        #expect((problem["detail"] as? String)?.contains("has 4 fields; cron needs 5") == true, "\(problem)")
        let repository = try await h.call(
            .PUT, "/api/v1/nodes/n1/schedules/backup", body: #"{"interval": "6h", "max": 3, "repositories": ["nowhere"]}"#)
        #expect(repository.status == 422)
        #expect((repository.json as? [String: Any])?["field"] as? String == "repositories[0]")
        let max = try await h.call(
            .PUT, "/api/v1/nodes/n1/schedules/backup", body: #"{"interval": "6h", "max": 0, "repositories": ["primary"]}"#)
        #expect(max.status == 422)
        #expect((max.json as? [String: Any])?["field"] as? String == "max")
        let notJSON = try await h.call(.PUT, "/api/v1/nodes/n1/schedules/backup", body: "{nope")
        #expect(notJSON.status == 422)
        let noTarget = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"snapshot": "latest"}"#)
        #expect(noTarget.status == 422)
        #expect((noTarget.json as? [String: Any])?["field"] as? String == "target")
        let relative = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "relative/dir"}"#)
        #expect(relative.status == 422)
        let wrongType = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": 5}"#)
        #expect(wrongType.status == 422)
        let unknownNode = try await h.call(.POST, "/api/v1/nodes/ghost/backups")
        #expect(unknownNode.status == 404)
        let badLimit = try await h.call(.GET, "/api/v1/jobs?limit=0", token: DaemonHarness.viewerToken)
        #expect(badLimit.status == 422)
        // Identity work on a node without an identity source is refused up front.
        let identityPlan = try await h.call(
            .PUT, "/api/v1/nodes/n1/schedules/identity", body: #"{"interval": "24h", "max": 3, "repositories": ["primary"]}"#)
        #expect(identityPlan.status == 422)
        #expect((identityPlan.json as? [String: Any])?["detail"] as? String ?? "" != "", "\(identityPlan.text)")
        #expect(try await h.call(.POST, "/api/v1/nodes/n1/identity-dumps").status == 422)
        // Nothing was changed by any of them.
        #expect(try await h.daemon.catalog.countJobs() == 0)
        let schedule = try await h.call(.GET, "/api/v1/nodes/n1/schedules/backup", token: DaemonHarness.viewerToken)
        #expect((schedule.json as? [String: Any])?["interval"] as? String == "1h")
    }

    @Test func scheduleCreateReplacePauseResumeDelete() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let replaced = try await h.call(
            .PUT, "/api/v1/nodes/n1/schedules/backup",
            body: #"{"cron": "0 */6 * * *", "timezone": "Europe/Amsterdam", "max": 7, "repositories": ["primary"]}"#)
        #expect(replaced.status == 200, "\(replaced.text)")
        let view = try #require(replaced.json as? [String: Any])
        #expect(view["origin"] as? String == "api")
        #expect(view["description"] as? String == "every 6 hours, at minute 0 (Europe/Amsterdam)")
        #expect((view["nextRuns"] as? [String])?.count == 3)
        let paused = try await h.call(.POST, "/api/v1/nodes/n1/schedules/backup/pause")
        #expect((paused.json as? [String: Any])?["paused"] as? Bool == true)
        #expect((paused.json as? [String: Any])?["nextRun"] == nil)
        let resumed = try await h.call(.POST, "/api/v1/nodes/n1/schedules/backup/resume")
        #expect((resumed.json as? [String: Any])?["paused"] as? Bool == false)
        #expect(try await h.call(.DELETE, "/api/v1/nodes/n1/schedules/backup").status == 204)
        #expect(try await h.call(.DELETE, "/api/v1/nodes/n1/schedules/backup").status == 404)
        let created = try await h.call(
            .PUT, "/api/v1/nodes/n1/schedules/backup", body: #"{"environment": "staging", "repositories": ["primary"]}"#)
        #expect(created.status == 201, "\(created.text)")
        #expect((created.json as? [String: Any])?["max"] as? Int != nil)
        let node = try await h.call(.GET, "/api/v1/nodes/n1", token: DaemonHarness.viewerToken)
        let schedules = try #require((node.json as? [String: Any])?["schedules"] as? [[String: Any]])
        #expect(schedules.first { $0["kind"] as? String == "backup" }?["environment"] as? String == "staging")
    }

    @Test func metricsExposeJobsAndSchedules() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let started = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        _ = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        let metrics = try await h.call(.GET, "/metrics", token: nil)
        #expect(metrics.contentType?.hasPrefix("text/plain") == true)
        let text = metrics.text
        #expect(text.contains("# TYPE lifeboat_last_success_timestamp_seconds gauge"))
        #expect(text.contains(#"lifeboat_last_success_timestamp_seconds{node="n1",kind="backup"} "#))
        #expect(text.contains(#"lifeboat_failures_total{node="n1",kind="backup"} 0"#))
        #expect(text.contains(#"lifeboat_next_run_timestamp_seconds{node="n1",kind="backup"} "#))
        #expect(text.contains(#"lifeboat_repository_stored_bytes{repository="primary"} "#))
        #expect(text.contains(#"lifeboat_jobs_total{node="n1",kind="backup",state="Completed"} 1"#))
        // Every sample line is NAME{labels} VALUE with a number.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let value = line.split(separator: " ").last.map(String.init) ?? ""
            #expect(Double(value) != nil, "\(line)")
        }
    }

    /// The OpenAPI document lists exactly the routes the server answers.
    @Test func openAPIDocumentMatchesTheRoutes() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let answer = try await h.call(.GET, "/api/v1/openapi.json", token: nil)
        let doc = try #require(answer.json as? [String: Any])
        #expect(doc["openapi"] as? String == "3.1.0")
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, methods) in paths { for method in methods.keys { documented.insert("\(method.uppercased()) \(path)") } }
        #expect(documented == Set(APIRouter.routes))
        // Every documented route is served: for an existing node, schedule and job it never answers
        // the router's own 404 or a 405.
        let backup = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        _ = try await h.waitForJob(try #require((backup.json as? [String: Any])?["id"] as? Int64))
        let job = try await h.call(.POST, "/api/v1/nodes/n1/verify")
        let id = try #require((job.json as? [String: Any])?["id"] as? Int64)
        _ = try await h.waitForJob(id)
        for route in APIRouter.routes where !route.hasPrefix("DELETE") {
            let parts = route.split(separator: " ")
            let path = String(parts[1]).replacingOccurrences(of: "{node}", with: "n1")
                .replacingOccurrences(of: "{kind}", with: "backup").replacingOccurrences(of: "{id}", with: "\(id)")
            let body =
                path.hasSuffix("/restores")
                ? #"{"target": "\#(h.dir.appending("r-\(UUID().uuidString)"))"}"#
                : (parts[0] == "PUT" ? #"{"interval": "1h", "max": 2, "repositories": ["primary"]}"# : nil)
            let answer = try await h.call(.init(rawValue: String(parts[0])), path, body: body)
            // A route the router does not know answers 404 "no route for …"; a handler's 404 names what is missing.
            let detail = (answer.json as? [String: Any])?["detail"] as? String
            #expect(
                answer.status != 405 && !(answer.status == 404 && detail?.hasPrefix("no route") == true),
                "\(route) answered \(answer.status): \(answer.text)")
        }
        await h.daemon.runner.waitUntilIdle()
    }

    @Test func cancelQueuedJob() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let first = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        let second = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        let secondID = try #require((second.json as? [String: Any])?["id"] as? Int64)
        let cancel = try await h.call(.POST, "/api/v1/jobs/\(secondID)/cancel")
        #expect(cancel.status == 202)
        let cancelled = try await h.waitForJob(secondID)
        // It may have started already if the first was very quick; either way it ends Cancelled or Completed, never half.
        #expect(["Cancelled", "Completed"].contains(cancelled["state"] as? String ?? ""))
        _ = try await h.waitForJob(try #require((first.json as? [String: Any])?["id"] as? Int64))
        let again = try await h.call(.POST, "/api/v1/jobs/\(secondID)/cancel")
        #expect(again.status == 422)
        let viewer = try await h.call(.POST, "/api/v1/jobs/\(secondID)/cancel", token: DaemonHarness.viewerToken)
        #expect(viewer.status == 403)
    }
}

@Suite(.serialized) struct DaemonCancelTests {
    /// A running backup that is cancelled ends Cancelled and commits no snapshot.
    @Test func cancellingARunningBackupLeavesNoSnapshot() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        var generator = SeededGenerator(seed: 7)
        try Data(generator.bytes(200_000_000)).write(to: URL(fileURLWithPath: h.datadir + "/events/big.bin"))
        let started = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        let id = try #require((started.json as? [String: Any])?["id"] as? Int64)
        var state = ""
        for _ in 0..<400 where state != "Running" {
            state =
                (try await h.call(.GET, "/api/v1/jobs/\(id)", token: DaemonHarness.viewerToken).json as? [String: Any])?["state"] as? String
                ?? ""
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(state == "Running")
        let cancel = try await h.call(.POST, "/api/v1/jobs/\(id)/cancel")
        #expect(cancel.status == 202)
        let job = try await h.waitForJob(id)
        #expect(job["state"] as? String == "Cancelled", "\(job)")
        let repo = try await h.daemon.repositories.repository("primary")
        #expect(try await repo.snapshots().isEmpty)
        #expect(try await repo.check(readData: false).errors.isEmpty)
    }
}
