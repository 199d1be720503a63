import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository
import LifeboatTestSupport
import Testing

/// Redis backup and restore against a real `redis-server` on a loopback port.
@Suite struct RedisStoreTests {
    @Test func rdbOfARunningServerRestoresIntoAStoppedOne() async throws {
        let f = try await Fixture(prefix: "lifeboat-redis")
        defer { f.dir.remove() }
        let server = try RedisServer(directory: try f.directory("redis"))
        try await server.start()
        var script = ""
        for i in 0..<2000 { script += "SET key:\(i) value-\(i * 7)\n" }
        script += "HSET user:1 name alice role admin\nRPUSH queue a b c\nSELECT 3\nSET other-db yes\n"
        _ = try await server.cli([], input: script)
        #expect(try await server.connection.keyCount() == 2003)

        let client = RedisStoreClient(connection: server.connection)
        var options = BackupOptions()
        options.node = "nuts-1"
        options.streams = try await client.backupEntries(prefix: "redis")
        let backup = try await f.repo.backup(paths: [], options: options)
        let record = try await f.repo.loadSnapshot(backup.id)
        let node = try await f.repo.fileNode(record, path: "redis/dump.rdb")
        #expect((node.size ?? 0) > 20_000)
        let manifest = try await client.manifest(from: f.repo, snapshot: record)
        #expect(manifest.keysBefore == 2003 && manifest.keysAfter == 2003)

        // Restoring over a running server is refused.
        await #expect(throws: LifeboatError.self) {
            try await client.restoreDump(from: f.repo, snapshot: record, into: server.directory + "/data")
        }

        // Wipe: stop without saving, delete the data, restore the RDB, start, compare.
        await server.stop()
        try? FileManager.default.removeItem(atPath: server.directory + "/data/dump.rdb")
        try await client.restoreDump(from: f.repo, snapshot: record, into: server.directory + "/data")
        let rdb = contents(server.directory + "/data/dump.rdb")
        #expect(rdb.starts(with: Array("REDIS".utf8)))
        // The exact RDB: it ends with the EOF opcode and an 8-byte checksum, no transfer marker.
        #expect(rdb.count == Int(node.size ?? 0) && rdb.count > 9 && rdb[rdb.count - 9] == 0xFF)
        try await server.start()
        #expect(try await client.verify(manifest) == 2003)
        #expect(try await server.cli(["GET", "key:1234"]).trimmingCharacters(in: .whitespacesAndNewlines) == "value-8638")
        #expect(try await server.cli(["HGET", "user:1", "role"]).trimmingCharacters(in: .whitespacesAndNewlines) == "admin")
        #expect(try await server.cli(["LRANGE", "queue", "0", "-1"]).split(separator: "\n") == ["a", "b", "c"])
        #expect(try await server.cli(["-n", "3", "GET", "other-db"]).trimmingCharacters(in: .whitespacesAndNewlines) == "yes")

        // A server holding other data fails the check.
        _ = try await server.cli(["SET", "extra", "1"])
        await #expect(throws: LifeboatError.self) { try await client.verify(manifest) }
        await server.stop()
    }

    @Test func wrongPasswordAndUnreachableServerGiveClearErrors() async throws {
        let f = try await Fixture(prefix: "lifeboat-redis")
        defer { f.dir.remove() }
        let server = try RedisServer(directory: try f.directory("redis"))
        try await server.start()
        let wrong = f.dir.appending("wrong.pass")
        try "not the password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        var connection = server.connection
        connection.passwordFile = wrong
        let refused = await #expect(throws: LifeboatError.self) { try await RedisStoreClient(connection: connection).backupEntries() }
        #expect(refused?.message.contains("refused the password") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("not the password") == false)
        connection.passwordFile = nil
        let noAuth = await #expect(throws: LifeboatError.self) { try await RedisStoreClient(connection: connection).backupEntries() }
        #expect(noAuth?.message.contains("requires a password") == true, "\(noAuth?.message ?? "")")
        await server.stop()

        let down = RedisConnection(host: "127.0.0.1", port: try freePort(), passwordFile: server.passwordFile)
        let unreachable = await #expect(throws: LifeboatError.self) { try await RedisStoreClient(connection: down).backupEntries() }
        #expect(unreachable?.message.contains("cannot reach Redis at 127.0.0.1") == true, "\(unreachable?.message ?? "")")

        var missing = server.connection
        missing.cli = "redis-cli-not-installed"
        let noTool = await #expect(throws: LifeboatError.self) { try await RedisStoreClient(connection: missing).backupEntries() }
        #expect(noTool?.code == .notFound)
        #expect(noTool?.message.contains("redis-cli-not-installed") == true)
    }

    @Test func connectionFromTheConfigURL() throws {
        let c = try RedisConnection(store: RedisStore(url: "rediss://backup@redis.internal:6380", passwordFile: "/etc/pw"))
        #expect(c.host == "redis.internal" && c.port == 6380 && c.user == "backup" && c.tls && c.passwordFile == "/etc/pw")
        let u = try RedisConnection(store: RedisStore(url: "unix:///run/redis/redis.sock"))
        #expect(u.socket == "/run/redis/redis.sock")
        #expect(throws: LifeboatError.self) { try RedisConnection(store: RedisStore(url: "redis://u:secret@h:1")) }
    }
}
