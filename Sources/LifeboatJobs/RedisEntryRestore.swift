import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository

#if canImport(Glibc)
    import Glibc
#endif

/// Restores one Redis entry of a state backup (`redis/dump.rdb`, `redis-2/dump.rdb`, …: one
/// per Redis store, in store order) as an RDB file into a directory, for a Redis server that
/// is stopped or not yet started: `lifeboat restore SNAPSHOT --redis ENTRY --target DIR` and
/// the API's restore with `"redis": ENTRY`. A whole node's Redis stores (stopped, loaded,
/// started and checked) come back with the node restore runbook instead.
///
/// ```swift
/// let result = try await RedisEntryRestore.restore(
///     repository: repo, snapshot: record, entry: "redis", directory: "/var/lib/redis", server: store)
/// // start redis-server with `dir /var/lib/redis`; it loads result.path
/// ```
public enum RedisEntryRestore {
    /// What a restore of a Redis entry wrote.
    public struct Result: Sendable, Hashable, Codable {
        /// The entry, e.g. `redis`.
        public var entry: String
        /// The RDB file written.
        public var path: String
        /// Its size.
        public var bytes: Int64
        /// When the backup captured it.
        public var capturedAt: Date
        /// The key counts taken around the capture; a server that loads the file holds a count in between.
        public var keysBefore: Int
        public var keysAfter: Int
        /// What the operator should know (an append-only directory beside the file).
        public var notes: [String]
    }

    /// The Redis entries a snapshot holds, in store order (`redis`, `redis-2`, …).
    public static func entries(_ record: SnapshotRecord) -> [String] {
        (record.snapshot.streams ?? []).compactMap { path -> String? in
            let parts = path.split(separator: "/")
            guard parts.count == 2, parts[1] == "dump.rdb", isEntryName(String(parts[0])) else { return nil }
            return String(parts[0])
        }
    }

    /// Whether `name` has the form of a Redis entry: `redis`, or `redis-N` with N of 2 or more.
    public static func isEntryName(_ name: String) -> Bool {
        if name == "redis" { return true }
        guard name.hasPrefix("redis-"), let n = Int(name.dropFirst(6)), n >= 2, String(n) == name.dropFirst(6) else { return false }
        return true
    }

    /// The node's Redis store whose backups go to `entry`, if the configuration still lists it.
    public static func store(of node: NodeConfiguration, entry: String) -> RedisStore? {
        var n = 0
        for case .redis(let store) in node.stores {
            if NodeRestoreRunbook.redisPrefix(n) == entry { return store }
            n += 1
        }
        return nil
    }

    /// Refuses an entry the snapshot does not hold, naming the ones it does.
    /// - Throws: `.notFound`.
    public static func requireEntry(_ entry: String, in record: SnapshotRecord) throws {
        let present = entries(record)
        guard !present.contains(entry) else { return }
        throw LifeboatError(
            .notFound,
            "snapshot \(record.id.short) holds no Redis entry \(entry)/dump.rdb"
                + (present.isEmpty
                    ? ": it was taken without a Redis store"
                    : " (its Redis entries: \(present.joined(separator: ", ")))"))
    }

    /// Writes the entry's RDB into `directory` (created if missing) as `fileName`, verified
    /// against the backup's size and SHA-256 before it is renamed into place.
    ///
    /// Refuses, before anything is written: an entry the snapshot lacks; a `fileName` that is
    /// not a plain file name; an existing file unless `force`; and, with a `server`, while a
    /// Redis server answers at its address (it would overwrite the file when it stops) — with
    /// `onlyItsDirectory`, only when that server's data directory (`CONFIG GET dir`) is
    /// `directory` or cannot be read.
    public static func restore(
        repository: Repository, snapshot record: SnapshotRecord, entry: String, directory: String, fileName: String = "dump.rdb",
        force: Bool = false, server: RedisStore? = nil, onlyItsDirectory: Bool = false
    ) async throws -> Result {
        try requireEntry(entry, in: record)
        guard !fileName.isEmpty, !fileName.contains("/"), fileName != ".", fileName != ".." else {
            throw LifeboatError(.invalidArgument, "the RDB file name \"\(fileName)\" must be a plain file name such as dump.rdb")
        }
        let fm = FileManager.default
        let path = directory + "/" + fileName
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw LifeboatError(.invalidArgument, "\(directory) is not a directory; give the Redis data directory to restore into")
        }
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw LifeboatError(.invalidArgument, "\(path) is a directory; the RDB cannot be written there")
            }
            if !force {
                throw LifeboatError(
                    .invalidArgument,
                    "\(path) already exists; pass --force (API: \"force\": true) to replace it, with the Redis server that uses it stopped")
            }
        }
        if let server {
            let connection = try RedisConnection(store: server)
            if await connection.isRunning(), try await uses(directory, connection: connection, onlyItsDirectory: onlyItsDirectory) {
                throw LifeboatError(
                    .invalidArgument,
                    "Redis at \(connection.address) is running; stop it before restoring \(entry) into \(directory), or it overwrites \(fileName) on shutdown"
                )
            }
        }
        let manifest = try await RedisStoreClient.manifest(from: repository, snapshot: record, prefix: entry)
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LifeboatError(.io, "cannot create the directory \(directory): \(error.localizedDescription)")
        }
        let bytes = try await RedisStoreClient.writeDump(
            from: repository, snapshot: record, prefix: entry, into: directory, fileName: fileName)
        var notes: [String] = []
        if fm.fileExists(atPath: directory + "/appendonlydir") {
            notes.append(
                "\(directory)/appendonlydir exists: with appendonly yes Redis loads it instead of \(fileName); move it away before starting the server"
            )
        }
        return Result(
            entry: entry, path: path, bytes: bytes, capturedAt: manifest.capturedAt, keysBefore: manifest.keysBefore,
            keysAfter: manifest.keysAfter, notes: notes)
    }

    /// Whether the running server at `connection` is to be taken as the one using `directory`.
    static func uses(_ directory: String, connection: RedisConnection, onlyItsDirectory: Bool) async throws -> Bool {
        guard onlyItsDirectory else { return true }
        guard let dir = try? await RedisStoreClient(connection: connection).serverFiles().directory else { return true }
        func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path }
        return resolved(dir) == resolved(directory)
    }
}
