import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatProcess
import LifeboatRepository

/// What restoring one database did.
public struct PostgresRestoreReport: Sendable, Hashable {
    /// The database entry's name.
    public var name: String
    /// Where it was restored (URL without password).
    public var url: String
    /// Row counts of the recorded tables after the restore (equal to the backup's).
    public var rowCounts: [String: Int64]
}

/// Backs up and restores the databases of one PostgreSQL store, in their declared order
/// (the Canton profile dumps and restores the validator app before the participant).
///
/// Backup: `pg_dump --format=custom` of each database streamed into the snapshot as
/// `PREFIX/NAME.dump`, then `PREFIX/postgres.json` with the row counts of declared tables.
/// Restore: each dump streamed into `pg_restore --clean --if-exists`, or into a new
/// database made with `createdb`, then row counts compared.
///
/// ```swift
/// let pg = PostgresStoreClient(databases: [PostgresConnection(name: "validator", url: url, passwordFile: pw, tables: ["public.accounts"])])
/// options.streams += try await pg.backupEntries()
/// let reports = try await pg.restore(from: repo, snapshot: record)
/// ```
public struct PostgresStoreClient: Sendable {
    /// The databases, in order.
    public var databases: [PostgresConnection]

    /// The manifest's file name inside the entry's directory.
    public static let manifestName = "postgres.json"

    /// Creates a client for `databases`, dumped and restored in this order.
    public init(databases: [PostgresConnection]) { self.databases = databases }

    /// A client for a `type: postgres` store; `tables` maps a database name to the tables to
    /// count (by default those the store declares for it).
    public init(store: PostgresStore, passwordFile: String? = nil, tables: [String: [String]] = [:]) {
        databases = store.databases.map {
            PostgresConnection(database: $0, passwordFile: passwordFile, tables: tables[$0.name] ?? $0.tables)
        }
    }

    /// The entry names of the databases their server does not have (a rebuilt or wiped
    /// server); other connection problems throw.
    public func missingDatabases() async throws -> [String] {
        var missing: [String] = []
        for db in databases {
            do {
                _ = try await db.query("SELECT 1;")
            } catch let error as LifeboatError where error.code == .notFound {
                missing.append(db.name)
            }
        }
        return missing
    }

    /// Checks the tools are installed and every database answers, then returns the entries
    /// to archive, in order: one dump per database, then the manifest.
    public func backupEntries(prefix: String = "postgres") async throws -> [StreamEntry] {
        guard let first = databases.first else { throw LifeboatError(.invalidArgument, "a postgres store needs at least one database") }
        for tool in ["psql", "pg_dump"] {
            do {
                _ = try first.command(tool, []).resolvedExecutable()
            } catch {
                throw LifeboatError(
                    .notFound, "\(tool) was not found in PATH or /usr/lib/postgresql/*/bin; install the PostgreSQL client tools")
            }
        }
        for db in databases { _ = try await db.query("SELECT 1;") }
        let records = PostgresRecords()
        var entries = databases.map {
            StreamEntry(path: "\(prefix)/\($0.name).dump", mode: 0o600, producer: PostgresDumpProducer(connection: $0, records: records))
        }
        entries.append(
            StreamEntry(
                path: "\(prefix)/\(Self.manifestName)", mode: 0o600,
                producer: PostgresManifestProducer(records: records, order: databases.map(\.name))))
        return entries
    }

    /// The manifest recorded with a backup.
    public func manifest(from repo: Repository, snapshot: SnapshotRecord, prefix: String = "postgres") async throws -> PostgresManifest {
        let path = "\(prefix)/\(Self.manifestName)"
        return try StoreManifest.decode(PostgresManifest.self, try await repo.readSmallFile(snapshot, path: path), path: path)
    }

    /// Restores every database of the snapshot in the backup's order and compares row counts.
    ///
    /// A database named in `newDatabases` (entry name → new database name) is created with
    /// `createdb` on the same server and restored into; the others are restored over their
    /// current content with `pg_restore --clean --if-exists`.
    ///
    /// `keepOwnership: false` leaves out the dump's owners and grants (`--no-owner --no-acl`),
    /// for a scratch server that lacks the node's roles.
    public func restore(
        from repo: Repository, snapshot: SnapshotRecord, prefix: String = "postgres", newDatabases: [String: String] = [:],
        keepOwnership: Bool = true
    ) async throws -> [PostgresRestoreReport] {
        let manifest = try await manifest(from: repo, snapshot: snapshot, prefix: prefix)
        var reports: [PostgresRestoreReport] = []
        for record in manifest.databases {
            guard var db = databases.first(where: { $0.name == record.name }) else {
                throw LifeboatError(
                    .invalidArgument,
                    "the snapshot holds database \(record.name), which this store does not declare; add it or restore by hand")
            }
            var arguments = ["--no-password", "--exit-on-error"] + (keepOwnership ? [] : ["--no-owner", "--no-acl"])
            if let newName = newDatabases[record.name] {
                db = try db.withDatabase(newName)
                try await create(db, name: newName)
            } else {
                arguments += ["--clean", "--if-exists"]
            }
            arguments.append("--dbname=" + db.url)
            do {
                try await repo.readFile(snapshot, path: "\(prefix)/\(record.name).dump", into: try db.command("pg_restore", arguments))
            } catch let e as LifeboatError where e.code == .io {
                throw db.classify(e.message, tool: "pg_restore", failure: "failed")
            }
            db.tables = Array(record.rowCounts.keys).sorted()
            let counts = try await db.rowCounts()
            for (table, expected) in record.rowCounts.sorted(by: { $0.key < $1.key }) where counts[table] != expected {
                throw LifeboatError(
                    .corrupted,
                    "after restoring database \(record.name), table \(table) has \(counts[table] ?? -1) rows; the backup recorded \(expected)"
                )
            }
            reports.append(PostgresRestoreReport(name: record.name, url: db.displayURL, rowCounts: counts))
        }
        return reports
    }

    private func create(_ db: PostgresConnection, name: String) async throws {
        let maintenance = try db.withDatabase("postgres")
        let output = try await CommandRunner.run(
            try db.command("createdb", ["--no-password", "--maintenance-db=" + maintenance.url, name]))
        if let failure = output.failure {
            if output.stderr.contains("already exists") {
                throw LifeboatError(
                    .alreadyExists, "database \(name) already exists at \(maintenance.displayURL); choose a new name or drop it")
            }
            throw db.classify(output.stderr, tool: "createdb", failure: failure)
        }
    }
}
