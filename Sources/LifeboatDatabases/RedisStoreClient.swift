import Foundation
import LifeboatCore
import LifeboatRepository

#if canImport(Glibc)
    import Glibc
#endif

/// What a Redis backup records beside `dump.rdb` (in `redis.json`).
public struct RedisManifest: Codable, Sendable, Hashable {
    /// Keys in all databases just before the RDB transfer began.
    public var keysBefore: Int
    /// Keys just after it ended; a server written meanwhile may differ from `keysBefore`.
    public var keysAfter: Int
    /// When the transfer ended.
    public var capturedAt: Date
    /// The server it came from, for people.
    public var address: String

    /// The key counts a faithful restore can show: between the two counts taken around the transfer.
    public var expectedKeys: ClosedRange<Int> { Swift.min(keysBefore, keysAfter)...Swift.max(keysBefore, keysAfter) }
}

/// Backs up and restores one Redis server: an RDB snapshot of the running server, and a
/// restore that places `dump.rdb` for a stopped (or fresh) server and checks its key count.
///
/// ```swift
/// let redis = RedisStoreClient(connection: try RedisConnection(store: store))
/// options.streams += try await redis.backupEntries(prefix: "redis")
/// // … later, with the server stopped:
/// let manifest = try await redis.restoreDump(from: repo, snapshot: record, prefix: "redis", into: "/var/lib/redis")
/// // start redis-server, then:
/// try await redis.verify(manifest)
/// ```
public struct RedisStoreClient: Sendable {
    /// The server.
    public var connection: RedisConnection

    /// The file names inside the entry's directory.
    public static let dumpName = "dump.rdb", manifestName = "redis.json"

    /// Creates a client for `connection`.
    public init(connection: RedisConnection) { self.connection = connection }

    /// Checks the server answers with these credentials, then returns the entries to
    /// archive, in order: `PREFIX/dump.rdb` (streamed) and `PREFIX/redis.json`.
    public func backupEntries(prefix: String = "redis") async throws -> [StreamEntry] {
        _ = try connection.command([]).resolvedExecutable()
        let before = try await connection.keyCount()
        return [
            StreamEntry(path: prefix + "/" + Self.dumpName, mode: 0o600, producer: RDBProducer(connection: connection)),
            StreamEntry(
                path: prefix + "/" + Self.manifestName, mode: 0o600,
                producer: RedisManifestProducer(connection: connection, keysBefore: before)),
        ]
    }

    /// Writes the snapshot's `dump.rdb` into `directory` as `fileName` (verified, then
    /// renamed into place) for a server that is stopped; refuses when a server answers at
    /// this client's address, since a running server would overwrite the file when it stops.
    /// Remove an `appendonlydir` there first if AOF is on, or Redis loads that instead.
    @discardableResult
    public func restoreDump(
        from repo: Repository, snapshot: SnapshotRecord, prefix: String = "redis", into directory: String, fileName: String = "dump.rdb"
    ) async throws -> RedisManifest {
        if await connection.isRunning() {
            throw LifeboatError(
                .invalidArgument,
                "Redis at \(connection.address) is running; stop it before restoring \(fileName), or it overwrites the file on shutdown")
        }
        let manifest = try await Self.manifest(from: repo, snapshot: snapshot, prefix: prefix)
        try await Self.writeDump(from: repo, snapshot: snapshot, prefix: prefix, into: directory, fileName: fileName)
        return manifest
    }

    /// Writes the snapshot's `PREFIX/dump.rdb` into `directory` as `fileName`: to a temporary
    /// file first, checked against the backup's size and SHA-256, synced, then renamed over
    /// `fileName`; on any failure the temporary file is removed and `fileName` left as it was.
    /// Returns the bytes written. Checks no server: see ``restoreDump(from:snapshot:prefix:into:fileName:)``.
    @discardableResult
    public static func writeDump(
        from repo: Repository, snapshot: SnapshotRecord, prefix: String = "redis", into directory: String, fileName: String = "dump.rdb"
    ) async throws -> Int64 {
        let final = directory + "/" + fileName
        let temp = directory + "/.lifeboat-restore-" + fileName
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LifeboatError(.io, "cannot create \(temp): \(String(cString: strerror(errno)))")
        }
        let bytes: Int64
        do {
            bytes = try await repo.readFile(snapshot, path: prefix + "/" + Self.dumpName, to: fd)
            guard fsync(fd) == 0 else { throw LifeboatError(.io, "cannot sync \(temp): \(String(cString: strerror(errno)))") }
            close(fd)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        guard rename(temp, final) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw LifeboatError(.io, "cannot move the restored RDB into place at \(final): \(reason)")
        }
        return bytes
    }

    /// Where a running server keeps its data: the directory, the RDB's file name, and the
    /// append-only directory when AOF is on (Redis loads that instead of the RDB).
    public func serverFiles() async throws -> RedisServerFiles {
        guard let dir = try await connection.configValue("dir") else {
            throw LifeboatError(.io, "Redis at \(connection.address) did not say its data directory (CONFIG GET dir)")
        }
        let dbfilename = try await connection.configValue("dbfilename") ?? "dump.rdb"
        let appendonly = try await connection.configValue("appendonly") == "yes"
        let appenddirname = try await connection.configValue("appenddirname") ?? "appendonlydir"
        return RedisServerFiles(directory: dir, dumpFileName: dbfilename, appendOnlyDirectory: appendonly ? appenddirname : nil)
    }

    /// The manifest recorded with a backup.
    public func manifest(from repo: Repository, snapshot: SnapshotRecord, prefix: String = "redis") async throws -> RedisManifest {
        try await Self.manifest(from: repo, snapshot: snapshot, prefix: prefix)
    }

    /// The manifest recorded with a backup (`PREFIX/redis.json`).
    public static func manifest(from repo: Repository, snapshot: SnapshotRecord, prefix: String = "redis") async throws -> RedisManifest {
        let path = prefix + "/" + Self.manifestName
        return try StoreManifest.decode(RedisManifest.self, try await repo.readSmallFile(snapshot, path: path), path: path)
    }

    /// Checks the restored server's key count against the backup's; returns the count.
    @discardableResult
    public func verify(_ manifest: RedisManifest) async throws -> Int {
        let keys = try await connection.keyCount()
        guard manifest.expectedKeys.contains(keys) else {
            throw LifeboatError(
                .corrupted,
                "Redis at \(connection.address) holds \(keys) keys after the restore; the backup recorded \(manifest.keysBefore == manifest.keysAfter ? "\(manifest.keysBefore)" : "\(manifest.keysBefore)–\(manifest.keysAfter)")"
            )
        }
        return keys
    }
}

/// Writes `redis.json` once the RDB is stored: the key count after the transfer is taken then.
struct RedisManifestProducer: StreamProducer {
    let connection: RedisConnection
    let keysBefore: Int

    func start() async throws -> any ProducedStream {
        let after = try await connection.keyCount()
        let manifest = RedisManifest(keysBefore: keysBefore, keysAfter: after, capturedAt: Date(), address: connection.address)
        return try await BytesProducer(try StoreManifest.encode(manifest)).start()
    }
}

/// Where a Redis server keeps its data on disk.
public struct RedisServerFiles: Sendable, Hashable, Codable {
    /// The data directory (`dir`).
    public var directory: String
    /// The RDB's file name in it (`dbfilename`).
    public var dumpFileName: String
    /// The append-only directory in it when AOF is on, nil otherwise.
    public var appendOnlyDirectory: String?

    /// Describes a server's files.
    public init(directory: String, dumpFileName: String = "dump.rdb", appendOnlyDirectory: String? = nil) {
        self.directory = directory
        self.dumpFileName = dumpFileName
        self.appendOnlyDirectory = appendOnlyDirectory
    }
}
