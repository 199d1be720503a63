import Crypto
import Foundation
import LifeboatCore
import LifeboatJobs
import LifeboatProcess
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `restore` of a backup's Redis entry alone, through the API and `lifeboat restore --redis`,
/// against real `redis-server`s (Debian's): the RDB written into a directory is loaded by a
/// fresh server started there, a running server's directory is refused, and an entry the
/// backup lacks is named.
@Suite(.serialized) struct RedisRestoreTests {
    /// A fresh server (no password) started daemonized on `directory`, answering on the port returned.
    static func startServer(on directory: String) async throws -> Int {
        let port = try LoopbackHTTP.freePort()
        try """
        port \(port)
        bind 127.0.0.1
        dir \(directory)
        dbfilename dump.rdb
        save ""
        appendonly no
        daemonize yes
        pidfile \(directory)/../redis-\(port).pid
        logfile \(directory)/../redis-\(port).log

        """.write(toFile: directory + "/../redis-\(port).conf", atomically: true, encoding: .utf8)
        _ = try await CommandRunner.run(Command("redis-server", [directory + "/../redis-\(port).conf"]))
        for _ in 0..<100 {
            if (try? await plain(port, ["PING"])) == "PONG" { return port }
            try await Task.sleep(for: .milliseconds(50))
        }
        await stopPlain(port)
        throw LifeboatError(.io, "the fresh redis-server on \(directory) did not answer")
    }

    static func plain(_ port: Int, _ arguments: [String]) async throws -> String {
        let output = try await CommandRunner.run(Command("redis-cli", ["-h", "127.0.0.1", "-p", String(port)] + arguments))
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func stopPlain(_ port: Int) async { _ = try? await plain(port, ["SHUTDOWN", "NOSAVE"]) }

    /// Starts a fresh server on `directory`, reads what it loaded, and stops it before returning.
    static func loaded(from directory: String) async throws -> (keys: String, key7: String, key49: String) {
        let port = try await startServer(on: directory)
        do {
            let result = (
                try await plain(port, ["DBSIZE"]), try await plain(port, ["GET", "key:7"]), try await plain(port, ["GET", "key:49"])
            )
            await stopPlain(port)
            return result
        } catch {
            await stopPlain(port)
            throw error
        }
    }

    static func sha(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { Hex.encode(Array(SHA256.hash(data: $0))) }
    }

    @Test func theAPIRestoresARedisEntryThatAFreshServerLoads() async throws {
        let (h, port, redisDir) = try await RedisRunbookTests.setUp()
        do {
            try await check(h, port: port, redisDir: redisDir)
        } catch {
            await RedisRunbookTests.stopRedis(port)
            await h.stop()
            throw error
        }
        await RedisRunbookTests.stopRedis(port)
        await h.stop()
    }

    func check(_ h: DaemonHarness, port: Int, redisDir: String) async throws {
        for i in 0..<50 { _ = try await RedisRunbookTests.cli(port, ["SET", "key:\(i)", "value \(i)"]) }
        try await RedisRunbookTests.backUp(h)
        _ = try await RedisRunbookTests.cli(port, ["FLUSHALL"])

        // An entry the backup does not hold is named before any job is queued.
        let missing = try await h.call(
            .POST, "/api/v1/nodes/cache-1/restores", body: #"{"redis": "redis-2", "target": "\#(h.dir.appending("r2"))"}"#)
        #expect(missing.status == 404, "\(missing.text)")
        let problem = (missing.json as? [String: Any]) ?? [:]
        #expect(problem["field"] as? String == "redis")
        #expect(
            (problem["detail"] as? String)?.contains("holds no Redis entry redis-2/dump.rdb (its Redis entries: redis)") == true,
            "\(problem)")
        let badName = try await h.call(
            .POST, "/api/v1/nodes/cache-1/restores", body: #"{"redis": "cache", "target": "\#(h.dir.appending("r2"))"}"#)
        #expect(badName.status == 422 && (badName.json as? [String: Any])?["field"] as? String == "redis", "\(badName.text)")
        #expect(try await h.daemon.catalog.jobs(node: "cache-1", kind: .restore).isEmpty)

        // Into the running server's own directory: refused, the directory left as it was.
        let live = redisDir + "/data"
        let before = Self.sha(live + "/dump.rdb")
        let refused = try await h.call(
            .POST, "/api/v1/nodes/cache-1/restores", body: #"{"redis": "redis", "target": "\#(live)", "force": true}"#)
        #expect(refused.status == 202, "\(refused.text)")
        let refusedJob = try await h.waitForJob(try #require((refused.json as? [String: Any])?["id"] as? Int64))
        #expect(refusedJob["state"] as? String == "Failed")
        #expect((refusedJob["error"] as? String)?.contains("Redis at 127.0.0.1:\(port) is running") == true, "\(refusedJob)")
        #expect(Self.sha(live + "/dump.rdb") == before)

        // Into a directory of its own: the backup's RDB, which a fresh server loads.
        let target = h.dir.appending("restored-redis")
        let restore = try await h.call(.POST, "/api/v1/nodes/cache-1/restores", body: #"{"redis": "redis", "target": "\#(target)"}"#)
        #expect(restore.status == 202, "\(restore.text)")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64))
        #expect(job["state"] as? String == "Completed", "\(job)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["dump.rdb"], "no temporary file is left")
        let loaded = try await Self.loaded(from: target)
        #expect(loaded.keys == "50" && loaded.key7 == "value 7" && loaded.key49 == "value 49", "\(loaded)")

        // Again without force: refused, the file kept; with force and another file name: written.
        let written = Self.sha(target + "/dump.rdb")
        let again = try await h.call(.POST, "/api/v1/nodes/cache-1/restores", body: #"{"redis": "redis", "target": "\#(target)"}"#)
        let againJob = try await h.waitForJob(try #require((again.json as? [String: Any])?["id"] as? Int64))
        #expect(againJob["state"] as? String == "Failed")
        #expect((againJob["error"] as? String)?.contains("already exists; pass --force") == true, "\(againJob)")
        #expect(Self.sha(target + "/dump.rdb") == written)
        let named = try await h.call(
            .POST, "/api/v1/nodes/cache-1/restores",
            body: #"{"redis": "redis", "redisFile": "cache.rdb", "target": "\#(target)", "force": true}"#)
        let namedJob = try await h.waitForJob(try #require((named.json as? [String: Any])?["id"] as? Int64))
        #expect(namedJob["state"] as? String == "Completed", "\(namedJob)")
        #expect(Self.sha(target + "/cache.rdb") == written)
    }

    @Test func lifeboatRestoreWritesARedisEntryIntoADirectory() async throws {
        let (h, port, redisDir) = try await RedisRunbookTests.setUp()
        do {
            try await checkCLI(h, port: port, redisDir: redisDir)
        } catch {
            await RedisRunbookTests.stopRedis(port)
            await h.stop()
            throw error
        }
        await RedisRunbookTests.stopRedis(port)
        await h.stop()
    }

    func checkCLI(_ h: DaemonHarness, port: Int, redisDir: String) async throws {
        for i in 0..<50 { _ = try await RedisRunbookTests.cli(port, ["SET", "key:\(i)", "value \(i)"]) }
        let before = Date()
        try await RedisRunbookTests.backUp(h)
        let after = Date()
        // The backup's page lists the Redis store's capture: the end of its RDB transfer.
        let repo = try await h.daemon.repositories.repository("primary")
        let record = try await repo.findSnapshot("latest", node: "cache-1")
        let node = try #require(h.daemon.configuration.node(named: "cache-1"))
        let captures = try await StoreCaptures.read(node: node, repository: repo, record: record)
        #expect(captures.map(\.type) == ["file", "redis"], "\(captures)")
        let redis = try #require(captures.last)
        #expect(redis.entry == "redis/dump.rdb" && redis.method == "end of the RDB transfer (50 keys)", "\(redis)")
        #expect(redis.capturedAt.map { $0 >= before.addingTimeInterval(-1) && $0 <= after } == true, "\(redis)")
        let target = h.dir.appending("cli-redis")
        let base = ["restore", "latest", "--repo", h.repoPath, "--node", "cache-1"]

        let missing = try await Self.lifeboat(base + ["--redis", "redis-3", "--target", target])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("holds no Redis entry redis-3/dump.rdb (its Redis entries: redis)"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target))
        let running = try await Self.lifeboat(base + ["--redis", "redis", "--target", target, "--redis-url", "redis://127.0.0.1:\(port)"])
        #expect(running.status != 0 && running.stderr.contains("is running"), "\(running.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target + "/dump.rdb"))
        let usage = try await Self.lifeboat(base + ["--redis-url", "redis://127.0.0.1:\(port)", "--target", target])
        #expect(usage.status == 64 && usage.stderr.contains("go with --redis"), "\(usage.status) \(usage.stderr)")

        let ok = try await Self.lifeboat(base + ["--redis", "redis", "--target", target, "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any], "\(ok.stdout)")
        #expect(json["entry"] as? String == "redis" && json["path"] as? String == target + "/dump.rdb", "\(json)")
        #expect(json["keys_before"] as? Int == 50 && json["keys_after"] as? Int == 50, "\(json)")
        #expect((json["captured_at"] as? String).flatMap(ISO8601.parse) != nil, "\(json)")
        #expect((json["bytes"] as? Int ?? 0) > 0 && (json["snapshot_id"] as? String)?.count == 64)
        let loaded = try await Self.loaded(from: target)
        #expect(loaded.keys == "50" && loaded.key7 == "value 7", "\(loaded)")

        let again = try await Self.lifeboat(base + ["--redis", "redis", "--target", target])
        #expect(again.status != 0 && again.stderr.contains("already exists; pass --force"), "\(again.stderr)")
        let forced = try await Self.lifeboat(base + ["--redis", "redis", "--target", target, "--force"])
        #expect(forced.status == 0 && forced.stdout.contains("restored Redis entry redis"), "\(forced.stderr)")
        #expect(!forced.stdout.contains(DaemonHarness.password) && !forced.stderr.contains(DaemonHarness.password))
    }

    /// Runs the built `lifeboat` binary (next to the test bundle) with the repository's password.
    static func lifeboat(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent(), root.appendingPathComponent(".build/release")]
            .map { $0.appendingPathComponent("lifeboat").path }
        let binary = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "build lifeboat first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LIFEBOAT_PASSWORD"] = DaemonHarness.password
        environment.removeValue(forKey: "LIFEBOAT_REPOSITORY")
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outcome = await ProcessOutcome.collect(process)
        return (outcome.status, outcome.stdout, outcome.stderr)
    }
}
