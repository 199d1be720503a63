import Foundation
import LifeboatCore
import LifeboatProcess
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The node restore runbook with a Redis store, against a real `redis-server` (Debian's),
/// which the runbook stops, loads the backup's RDB into and starts again.
@Suite(.serialized) struct RedisRunbookTests {
    static let password = "runbook redis secret"

    /// A node `cache-1` with a settings file and a Redis store whose server the test starts
    /// daemonized; `start` says how the runbook may start it again (nil: it cannot).
    static func setUp(canStart: Bool = true) async throws -> (DaemonHarness, port: Int, directory: String) {
        let dir = try TemporaryDirectory(prefix: "lifeboat-redis-runbook")
        let redisDir = dir.appending("redis")
        let datadir = dir.appending("cache")
        try FileManager.default.createDirectory(atPath: redisDir + "/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: datadir + "/app", withIntermediateDirectories: true)
        try Data("mode: cache\n".utf8).write(to: URL(fileURLWithPath: datadir + "/app/settings.yaml"))
        try (password + "\n").write(toFile: redisDir + "/redis.pass", atomically: true, encoding: .utf8)
        let port = try LoopbackHTTP.freePort()
        try """
        port \(port)
        bind 127.0.0.1
        dir \(redisDir)/data
        dbfilename dump.rdb
        requirepass "\(password)"
        save ""
        appendonly no
        daemonize yes
        pidfile \(redisDir)/redis.pid
        logfile \(redisDir)/redis.log

        """.write(toFile: redisDir + "/redis.conf", atomically: true, encoding: .utf8)
        let start = canStart ? "\n        control: {start: \"redis-server \(redisDir)/redis.conf\"}" : ""
        let yaml =
            DaemonHarness.configHead(in: dir) + """

                nodes:
                  - name: cache-1
                    datadir: \(datadir)
                    stores:
                      - {type: file, path: app/settings.yaml}
                      - type: redis
                        url: redis://127.0.0.1:\(port)
                        password_file: \(redisDir)/redis.pass\(start)
                    backups: {interval: 1h, max: 5, repositories: [primary]}
                """
        _ = try await CommandRunner.run(Command("redis-server", [redisDir + "/redis.conf"]))
        // The server is daemonized: stop it here if the harness cannot start, or it outlives the test.
        do {
            let harness = try await DaemonHarness(dir: dir, configuration: yaml)
            try await waitUntil { (try? await cli(port, ["PING"])) == "PONG" }
            return (harness, port, redisDir)
        } catch {
            await stopRedis(port)
            throw error
        }
    }

    static func cli(_ port: Int, _ arguments: [String]) async throws -> String {
        let output = try await CommandRunner.run(
            Command(
                "redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--no-auth-warning"] + arguments,
                environment: ["REDISCLI_AUTH": password]))
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func waitUntil(_ condition: () async -> Bool) async throws {
        for _ in 0..<100 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out")
    }

    static func stopRedis(_ port: Int) async { _ = try? await cli(port, ["SHUTDOWN", "NOSAVE"]) }

    static func backUp(_ h: DaemonHarness) async throws {
        let started = try await h.call(.POST, "/api/v1/nodes/cache-1/backups")
        let backup = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(backup["state"] as? String == "Completed", "\(backup)")
    }

    @Test func theRunbookPutsTheBackupsDatasetBackIntoRedis() async throws {
        let (h, port, _) = try await Self.setUp()
        defer {
            Task {
                await Self.stopRedis(port); await h.stop()
            }
        }
        for i in 0..<50 { _ = try await Self.cli(port, ["SET", "key:\(i)", "value \(i)"]) }
        try await Self.backUp(h)
        // After the backup the data changes: keys lost, one overwritten, one new.
        _ = try await Self.cli(port, ["FLUSHALL"])
        _ = try await Self.cli(port, ["SET", "key:7", "changed"])
        _ = try await Self.cli(port, ["SET", "after-backup", "x"])

        let plan = try await h.call(.GET, "/api/v1/nodes/cache-1/restore-plan")
        let steps = try #require(plan.json as? [[String: Any]])
        #expect((steps.first { $0["id"] as? String == "restore-stores" }?["description"] as? String)?.contains("Redis") == true)

        let restore = try await h.call(.POST, "/api/v1/nodes/cache-1/node-restores", body: "{}")
        #expect(restore.status == 202, "\(restore.text)")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 120)
        #expect(job["state"] as? String == "Completed", "\(job)")
        #expect(try await Self.cli(port, ["DBSIZE"]) == "50")
        #expect(try await Self.cli(port, ["GET", "key:7"]) == "value 7")
        #expect(try await Self.cli(port, ["GET", "key:49"]) == "value 49")
        #expect(try await Self.cli(port, ["EXISTS", "after-backup"]) == "0")
        await Self.stopRedis(port)
    }

    @Test func aRedisStoreTheRunbookCannotRestartFailsBeforeAnythingIsTouched() async throws {
        let (h, port, redisDir) = try await Self.setUp(canStart: false)
        defer {
            Task {
                await Self.stopRedis(port); await h.stop()
            }
        }
        for i in 0..<10 { _ = try await Self.cli(port, ["SET", "key:\(i)", "v"]) }
        try await Self.backUp(h)
        _ = try await Self.cli(port, ["SET", "after-backup", "kept"])

        let restore = try await h.call(.POST, "/api/v1/nodes/cache-1/node-restores", body: "{}")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 60)
        #expect(job["state"] as? String == "Failed")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("step check failed") && error.contains("control.start"), "\(error)")
        // The server still runs with its current data; nothing was moved aside.
        #expect(try await Self.cli(port, ["GET", "after-backup"]) == "kept")
        #expect(!error.contains("--rollback"))
        #expect(FileManager.default.fileExists(atPath: h.dir.appending("cache/app/settings.yaml")))
        _ = redisDir
        await Self.stopRedis(port)
    }
}
