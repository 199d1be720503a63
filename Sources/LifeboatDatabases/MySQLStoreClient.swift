import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatProcess
import LifeboatRepository

/// What a MySQL backup records beside its dump (in `mysql.json`).
public struct MySQLManifest: Codable, Sendable, Hashable {
    /// The database.
    public var database: String
    /// The server, for people (no password).
    public var url: String
    /// The server's version (`SELECT VERSION()`).
    public var serverVersion: String
    /// The base tables when the dump began; a restore checks each is back.
    public var tables: [String]
    /// When the dump began.
    public var capturedAt: Date
}

/// What restoring a MySQL database did.
public struct MySQLRestoreReport: Sendable, Hashable {
    /// The database.
    public var name: String
    /// Where it was restored.
    public var url: String
    /// Its base tables after the restore.
    public var tables: [String]
    /// Whether the database had to be created (the server had lost it).
    public var created: Bool
}

/// Backs up and restores one MySQL or MariaDB database (a Nuts 6 node's
/// `storage.sql.connection`).
///
/// Backup: `mariadb-dump --single-transaction` streamed into the snapshot as
/// `PREFIX/NAME.sql`, then `PREFIX/mysql.json`. Restore: the dump fed to the `mariadb` client
/// (after `CREATE DATABASE` when the server lost it), then every recorded table checked.
///
/// ```swift
/// let mysql = MySQLStoreClient(store: store)
/// options.streams += try await mysql.backupEntries(prefix: "mysql")
/// let report = try await mysql.restore(from: repo, snapshot: record, prefix: "mysql")
/// ```
public struct MySQLStoreClient: Sendable {
    /// The database.
    public var connection: MySQLConnection

    /// The manifest's file name inside the entry's directory.
    public static let manifestName = "mysql.json"

    /// Creates a client for a `type: mysql` store.
    public init(store: MySQLStore) { connection = MySQLConnection(store: store) }

    /// The dump's path in a snapshot.
    public func dumpPath(prefix: String) -> String { "\(prefix)/\(connection.name).sql" }

    /// Checks the tools are installed and the database answers with these credentials, then
    /// returns the entries to archive: the dump, then the manifest.
    public func backupEntries(prefix: String = "mysql") async throws -> [StreamEntry] {
        guard MySQLConnection.installed(MySQLConnection.dumpTools) != nil else {
            throw LifeboatError(
                .notFound, "mariadb-dump or mysqldump not found on PATH; install the MariaDB client tools (apt-get install mariadb-client)")
        }
        let started = Date()
        let version = try await connection.query("SELECT VERSION();", database: connection.name).first ?? ""
        let manifest = MySQLManifest(
            database: connection.name, url: connection.displayURL, serverVersion: version, tables: try await connection.tables(),
            capturedAt: started)
        return [
            StreamEntry(path: dumpPath(prefix: prefix), mode: 0o600, producer: MySQLDumpProducer(connection: connection)),
            StreamEntry(path: "\(prefix)/\(Self.manifestName)", mode: 0o600, producer: BytesProducer(try StoreManifest.encode(manifest))),
        ]
    }

    /// The manifest recorded with a backup.
    public func manifest(from repo: Repository, snapshot: SnapshotRecord, prefix: String = "mysql") async throws -> MySQLManifest {
        let path = "\(prefix)/\(Self.manifestName)"
        return try StoreManifest.decode(MySQLManifest.self, try await repo.readSmallFile(snapshot, path: path), path: path)
    }

    /// Restores the snapshot's dump over the database's current content (the dump drops and
    /// recreates each of its tables), creating the database first when the server lacks it.
    public func restore(from repo: Repository, snapshot: SnapshotRecord, prefix: String = "mysql") async throws -> MySQLRestoreReport {
        let manifest = try await manifest(from: repo, snapshot: snapshot, prefix: prefix)
        guard manifest.database == connection.name else {
            throw LifeboatError(
                .invalidArgument,
                "the snapshot holds MySQL database \(manifest.database), the store names \(connection.name); restore it by hand")
        }
        var created = false
        do {
            _ = try await connection.query("SELECT 1;", database: connection.name)
        } catch let error as LifeboatError where error.code == .notFound {
            _ = try await connection.query("CREATE DATABASE \(connection.quotedName);")
            created = true
        }
        let options = try MySQLOptionFile(password: try connection.password())
        defer { options.remove() }
        let command = try connection.command(MySQLConnection.clientTools, ["--binary-mode", "--", connection.name], options: options)
        do {
            try await repo.readFile(snapshot, path: dumpPath(prefix: prefix), into: command)
        } catch let error as LifeboatError where error.code == .io {
            throw connection.classify(error.message, tool: command.name, failure: "failed")
        }
        let tables = try await connection.tables()
        let lacking = manifest.tables.filter { !tables.contains($0) }
        guard lacking.isEmpty else {
            throw LifeboatError(
                .corrupted,
                "after restoring database \(connection.name), tables \(lacking.joined(separator: ", ")) are missing; the backup recorded them"
            )
        }
        return MySQLRestoreReport(name: connection.name, url: connection.displayURL, tables: tables, created: created)
    }
}
