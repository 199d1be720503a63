import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository

#if canImport(Glibc)
    import Glibc
#endif

/// One Redis store of a node, ready to be restored: checked in the runbook's first step.
struct RedisRestorePlan: Sendable {
    /// The snapshot prefix of its entries (`redis`, `redis-2`, …, in store order).
    var prefix: String
    var store: RedisStore
    /// Where the server keeps its data.
    var files: RedisServerFiles
}

/// What a Redis restore moved aside, so a rollback can put it back.
struct RedisRollbackRecord: Codable {
    var prefix: String
    var url: String
    var files: RedisServerFiles
}

extension NodeRestoreRunbook {
    /// Where a Redis store's previous files wait in the rollback copy (never moved into the datadir).
    static let redisRollbackEntry = ".lifeboat-redis"

    static func redisPrefix(_ n: Int) -> String { n == 0 ? "redis" : "redis-\(n + 1)" }

    /// Checks, before the node is touched, that every Redis store can be restored: the
    /// backup holds its dump, `redis-cli` is installed, the server can be started again,
    /// and its data directory is known (asked of the running server, or `dir`) and writable.
    func planRedis(_ record: SnapshotRecord) async throws -> [RedisRestorePlan] {
        var plans: [RedisRestorePlan] = []
        var n = 0
        for case .redis(let store) in node.stores {
            let prefix = Self.redisPrefix(n)
            n += 1
            let connection = try RedisConnection(store: store)
            try connection.requireTool()
            guard record.snapshot.streams?.contains(prefix + "/" + RedisStoreClient.dumpName) == true else {
                throw LifeboatError(
                    .notFound,
                    "backup \(record.id.short) holds no Redis dump \(prefix)/\(RedisStoreClient.dumpName) for the store \(store.url); it was taken before the store was listed"
                )
            }
            guard store.control?.start != nil || store.control?.systemdUnit != nil else {
                throw LifeboatError(
                    .invalidArgument,
                    "the Redis store \(store.url) has no control.start or control.systemd_unit: the runbook stops the server to load the dump and must start it again"
                )
            }
            let files: RedisServerFiles
            if await connection.isRunning() {
                files = try await RedisStoreClient(connection: connection).serverFiles()
            } else if let dir = store.dir {
                files = RedisServerFiles(directory: dir)
            } else {
                throw LifeboatError(
                    .invalidArgument,
                    "Redis at \(connection.address) is not running and the store has no dir: start it (empty is fine) or set dir to its data directory"
                )
            }
            guard access(files.directory, W_OK) == 0 else {
                throw LifeboatError(
                    .invalidArgument, "cannot write the Redis data directory \(files.directory): \(String(cString: strerror(errno)))")
            }
            plans.append(RedisRestorePlan(prefix: prefix, store: store, files: files))
        }
        return plans
    }

    /// Stops each Redis server, keeps its current files in the rollback copy, puts the
    /// backup's RDB in place, starts the server and checks its key count against the backup's.
    func restoreRedis(_ plans: [RedisRestorePlan], record: SnapshotRecord, rollback: String) async throws -> [String] {
        var restored: [String] = []
        let fm = FileManager.default
        for plan in plans {
            let connection = try RedisConnection(store: plan.store)
            let client = RedisStoreClient(connection: connection)
            let controller = Self.redisController(plan.store)
            try await Self.stopRedis(connection, controller: controller)
            let aside = rollback + "/" + Self.redisRollbackEntry + "/" + plan.prefix
            try fm.createDirectory(atPath: aside, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let saved = RedisRollbackRecord(prefix: plan.prefix, url: plan.store.url, files: plan.files)
            try JSONEncoder().encode(saved).write(to: URL(fileURLWithPath: aside + "/files.json"))
            for name in [plan.files.dumpFileName, plan.files.appendOnlyDirectory].compactMap({ $0 })
            where fm.fileExists(atPath: plan.files.directory + "/" + name) {
                try Self.move(plan.files.directory + "/" + name, to: aside + "/" + name)
            }
            let manifest = try await client.restoreDump(
                from: repository, snapshot: record, prefix: plan.prefix, into: plan.files.directory,
                fileName: plan.files.dumpFileName)
            try await controller.start()
            try await controller.waitFor("Redis at \(connection.address) to load the dump") {
                (try? await connection.keyCount()) != nil
            }
            let keys = try await client.verify(manifest)
            restored.append("Redis \(connection.address) (\(keys) keys)")
        }
        return restored
    }

    /// Puts back the Redis files a restore kept in `rollback`, restarting each server.
    static func rollbackRedis(node: NodeConfiguration, rollback: String) async throws -> [String] {
        let fm = FileManager.default
        let base = rollback + "/" + redisRollbackEntry
        var stores: [String: RedisStore] = [:]
        var n = 0
        for case .redis(let store) in node.stores {
            stores[redisPrefix(n)] = store
            n += 1
        }
        var done: [String] = []
        for prefix in ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted() {
            let aside = base + "/" + prefix
            guard let data = fm.contents(atPath: aside + "/files.json"),
                let record = try? JSONDecoder().decode(RedisRollbackRecord.self, from: data), let store = stores[prefix]
            else { continue }
            let connection = try RedisConnection(store: store)
            let controller = redisController(store)
            try await stopRedis(connection, controller: controller)
            for name in [record.files.dumpFileName, record.files.appendOnlyDirectory].compactMap({ $0 }) {
                let target = record.files.directory + "/" + name
                try? fm.removeItem(atPath: target)
                if fm.fileExists(atPath: aside + "/" + name) { try move(aside + "/" + name, to: target) }
            }
            try await controller.start()
            try await controller.waitFor("Redis at \(connection.address) to load its previous data") {
                (try? await connection.keyCount()) != nil
            }
            done.append("Redis \(connection.address)")
        }
        try? fm.removeItem(atPath: base)
        return done
    }

    /// A controller for a Redis server's own `control:`.
    static func redisController(_ store: RedisStore) -> NodeController {
        NodeController(node: NodeConfiguration(name: "redis \(store.url)", control: store.control))
    }

    /// Stops a Redis server (its stop command, or `SHUTDOWN NOSAVE`) and waits until it no
    /// longer answers.
    static func stopRedis(_ connection: RedisConnection, controller: NodeController) async throws {
        guard await connection.isRunning() else { return }
        let control = controller.control
        if control.stop != nil || control.systemdUnit != nil || control.pidFile != nil {
            try await controller.stop()
        } else {
            try await connection.shutdownWithoutSaving()
        }
        try await controller.waitFor("Redis at \(connection.address) to stop") { await !connection.isRunning() }
    }
}
