import Foundation
internal import GRDB
import LifeboatCore

/// The daemon's job history: every backup, identity dump, restore, verify, prune and copy
/// it ran, plus the little state its scheduler and the Canton restore kit must remember.
///
/// Terms:
/// - A **job** is one run of one ``JobKind`` for one node, from Pending through Running to
///   a finished ``JobState``.
/// - A job's **repositories** are the repositories that hold the snapshot it produced.
/// - A **participant identifier** is a Canton participant name a node has used; a restore
///   must pick one the node never used.
/// - The **schedule state** is, per node and job kind, whether the schedule is paused and
///   when it last ran and will next run.
///
/// The repository is the source of truth for which backups exist; the catalog is a
/// convenience that ``rebuild(from:)`` can recreate from snapshot listings.
///
/// Storage is one SQLite file in WAL mode through one GRDB `DatabasePool`: readers never
/// wait for the writer, and a killed process leaves every committed transaction intact.
/// Each state change is one transaction, so a crash leaves a job in its last committed
/// state; ``markInterruptedRunningJobs(now:)`` then settles the ones left unfinished.
///
/// ```swift
/// let catalog = try Catalog(path: "/var/lib/lifeboat/catalog.db")
/// let job = try await catalog.createJob(node: "nuts-1", kind: .backup, trigger: .schedule)
/// try await catalog.start(job.id)
/// try await catalog.updateProgress(job.id, phase: "uploading", bytesDone: 4096, bytesTotal: 8192)
/// try await catalog.finish(job.id, state: .completed, snapshot: snapshotID.hex, repositories: ["s3://b/r"])
/// ```
public final class Catalog: Sendable {
    /// The one connection pool (or, in memory, queue) to the file.
    let writer: any DatabaseWriter
    /// The file path, or `:memory:`, for error messages.
    let location: String
    let writes = WriteCounter()
    /// The newest jobs of each node and kind, for ``summaries()``.
    let summaryCache = SummaryCache()

    /// How many write transactions this process has run on the catalog (jobs created,
    /// started, progressed, finished; schedule state): caches of what the catalog holds
    /// compare it to know their answer is out of date. It moves before and after each
    /// write, so whoever learns of a change sees it moved.
    public var writeCount: Int { writes.value }

    /// Opens the catalog at `path`, creating the file and applying migrations as needed.
    ///
    /// The parent directory must exist: creating it here would let a typo in the config
    /// scatter a fresh, empty history somewhere nobody looks.
    /// - Throws: `.notFound` when the parent directory is missing, `.invalidArgument` when
    ///   `path` is a directory, `.corrupted` when the file is not an SQLite database,
    ///   `.unsupported` when a newer Lifeboat migrated it, `.locked` when another process
    ///   holds it too long.
    public convenience init(path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw LifeboatError(
                .invalidArgument, "catalog path \(path) is a directory; give a file path such as \(path)/catalog.db")
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LifeboatError(
                .notFound,
                "cannot open catalog \(path): directory \(parent) does not exist; create it or set another catalog path")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration)
        } catch {
            throw LifeboatError.catalog(error, location: path, "opening the catalog")
        }
        try self.init(writer: pool, location: path)
    }

    /// A catalog that lives in memory and vanishes with the value: for tests and dry runs.
    public static func inMemory() throws -> Catalog {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration)
        } catch {
            throw LifeboatError.catalog(error, location: ":memory:", "opening an in-memory catalog")
        }
        return try Catalog(writer: queue, location: ":memory:")
    }

    private init(writer: any DatabaseWriter, location: String) throws {
        self.writer = writer
        self.location = location
        try migrate()
    }

    /// Closes the connections; later calls throw. Closing on deinit happens anyway, this
    /// lets a daemon shutting down see the error, if any.
    public func close() throws {
        do {
            try writer.close()
        } catch {
            throw LifeboatError.catalog(error, location: location, "closing the catalog")
        }
    }

    /// Connection settings shared by file and memory catalogs.
    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.label = "lifeboat-catalog"
        // The CLI and the daemon may both write (a manual rebuild, a pause): wait for the
        // other writer's short transaction rather than fail at once.
        configuration.busyMode = .timeout(10)
        return configuration
    }

    private func migrate() throws {
        let migrator = CatalogSchema.migrator
        do {
            let superseded = try writer.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                throw LifeboatError(
                    .unsupported,
                    "catalog \(location) was written by a newer Lifeboat (it has migrations this version does not know); upgrade Lifeboat or point it at another catalog"
                )
            }
            try migrator.migrate(writer)
        } catch {
            throw LifeboatError.catalog(error, location: location, "migrating the catalog schema")
        }
    }

    /// Runs one transaction; an error thrown inside rolls it back and comes out as a ``LifeboatError``.
    func write<T: Sendable>(_ what: String, _ updates: @Sendable (Database) throws -> T) async throws -> T {
        writes.increment()
        defer { writes.increment() }
        do {
            return try await writer.write(updates)
        } catch {
            throw LifeboatError.catalog(error, location: location, what)
        }
    }

    /// A write that changes jobs: `pair` names the one node and kind whose summary it changes
    /// (nil: possibly any), and `job_change` is read around it (see ``SummaryCache``).
    func jobWrite<T: Sendable>(
        _ what: String, pair: @escaping @Sendable (T) -> (node: String, kind: JobKind)? = { _ in nil },
        _ updates: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        let (result, before, after) = try await write(what) { db in
            let before = try Int64.fetchOne(db, sql: "SELECT n FROM job_change") ?? 0
            let result = try updates(db)
            return (result, before, try Int64.fetchOne(db, sql: "SELECT n FROM job_change") ?? 0)
        }
        summaryCache.noteWrite(before: before, after: after)
        if let changed = pair(result) {
            summaryCache.invalidate(node: changed.node, kind: changed.kind)
        } else {
            summaryCache.invalidateAll()
        }
        return result
    }

    /// Runs one read on a consistent snapshot of the file.
    func read<T: Sendable>(_ what: String, _ value: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(value)
        } catch {
            throw LifeboatError.catalog(error, location: location, what)
        }
    }

    /// The identifiers of the migrations applied to the file, in order.
    func appliedMigrations() throws -> [String] {
        try writer.read { db in try CatalogSchema.migrator.appliedIdentifiers(db).sorted() }
    }

    /// The problems `PRAGMA integrity_check` reports; empty for a sound file.
    func integrityProblems() throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
        }
    }
}

/// A count bumped and read from any thread.
final class WriteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    func increment() { lock.withLock { count += 1 } }
}
