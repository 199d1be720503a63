import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository

/// One database's copy in a rollback directory, taken before the restore loaded the backup
/// into it.
struct DatabaseRollbackCopy: Codable, Sendable, Hashable {
    /// `postgres` or `mysql`.
    var kind: String
    /// The store's entry prefix in snapshots (`postgres`, `postgres-2`, `mysql`, …).
    var prefix: String
    /// The database entry's name.
    var name: String
    /// The copy's file inside the databases folder; nil when the server had no such database.
    var file: String?
    /// The tables the database had (PostgreSQL: quoted `schema.table`).
    var tables: [String]
}

/// PostgreSQL and MySQL stores in the rollback: the runbook copies each database before it
/// loads the backup into it (the node is stopped, so the copy is the node's last state), and
/// a rollback puts every copy back. The copies live in the rollback directory's
/// `.lifeboat-databases/` with a list that grows as each copy completes, so a kill while
/// copying leaves only whole copies listed (and no database loaded yet).
extension NodeRestoreRunbook {
    static let databaseRollbackEntry = ".lifeboat-databases"
    static let databaseRollbackList = "databases.json"

    /// A database the runbook may load a backup into.
    enum DatabaseTarget {
        case postgres(PostgresConnection)
        case mysql(MySQLStoreClient)
    }

    /// The node's PostgreSQL and MySQL databases with their stores' prefixes, in declared order.
    static func databaseTargets(_ node: NodeConfiguration) -> [(kind: String, prefix: String, name: String, target: DatabaseTarget)] {
        var out: [(String, String, String, DatabaseTarget)] = []
        var postgresIndex = 0
        for case .postgres(let store) in node.stores {
            let prefix = postgresIndex == 0 ? "postgres" : "postgres-\(postgresIndex + 1)"
            postgresIndex += 1
            for connection in PostgresStoreClient(store: store).databases {
                out.append(("postgres", prefix, connection.name, .postgres(connection)))
            }
        }
        for (store, prefix) in mysqlStores(node) {
            let client = MySQLStoreClient(store: store)
            out.append(("mysql", prefix, client.connection.name, .mysql(client)))
        }
        return out
    }

    /// Copies every PostgreSQL and MySQL database of the node into `rollback` before the
    /// backup is loaded; returns what was copied, for the step's message.
    func saveDatabases(rollback: String) async throws -> [String] {
        let targets = Self.databaseTargets(node)
        guard !targets.isEmpty else { return [] }
        let fm = FileManager.default
        let base = rollback + "/" + Self.databaseRollbackEntry
        try fm.createDirectory(atPath: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var copies: [DatabaseRollbackCopy] = []
        var said: [String] = []
        for (kind, prefix, name, target) in targets {
            let file = "\(prefix)-\(name).\(kind == "postgres" ? "dump" : "sql")"
            var copy = DatabaseRollbackCopy(kind: kind, prefix: prefix, name: name, file: file, tables: [])
            switch target {
            case .postgres(let connection):
                if try await connection.exists() {
                    copy.tables = try await connection.userTables()
                    try await connection.dump(toFile: base + "/" + file)
                } else {
                    copy.file = nil
                }
            case .mysql(let client):
                if try await client.exists() {
                    copy.tables = try await client.tables()
                    try await client.dump(toFile: base + "/" + file)
                } else {
                    copy.file = nil
                }
            }
            copies.append(copy)
            try RunbookJournal.writeDurably(try JSONEncoder().encode(copies), to: base + "/" + Self.databaseRollbackList)
            said.append(copy.file == nil ? "\(name) (not on its server)" : name)
        }
        return said
    }

    /// Puts back every database copy in `rollback` (see ``saveDatabases(rollback:)``); returns
    /// what was done for each, for the rollback's message. A database the server did not have
    /// before the restore keeps the backup's contents, and the message says so.
    static func rollbackDatabases(node: NodeConfiguration, rollback: String) async throws -> [String] {
        let base = rollback + "/" + databaseRollbackEntry
        let fm = FileManager.default
        guard let data = fm.contents(atPath: base + "/" + databaseRollbackList) else {
            try? fm.removeItem(atPath: base)
            return []
        }
        let copies: [DatabaseRollbackCopy]
        do {
            copies = try JSONDecoder().decode([DatabaseRollbackCopy].self, from: data)
        } catch {
            throw LifeboatError(.corrupted, "the list of database copies \(base)/\(databaseRollbackList) is unreadable: \(error)")
        }
        let targets = databaseTargets(node)
        var done: [String] = []
        for copy in copies {
            guard let target = targets.first(where: { $0.kind == copy.kind && $0.prefix == copy.prefix && $0.name == copy.name })
            else {
                throw LifeboatError(
                    .invalidArgument,
                    "the rollback copy of database \(copy.name) (\(copy.prefix)) matches no store of node \(node.name) any more; it stays in \(base)"
                )
            }
            guard let file = copy.file else {
                done.append("database \(copy.name) did not exist before the restore and keeps the backup's contents")
                continue
            }
            let dropped: [String]
            switch target.target {
            case .postgres(let connection): dropped = try await connection.restoreCopy(fromFile: base + "/" + file, tables: copy.tables)
            case .mysql(let client): dropped = try await client.restoreCopy(fromFile: base + "/" + file, tables: copy.tables)
            }
            done.append(
                "database \(copy.name) as it was"
                    + (dropped.isEmpty ? "" : " (dropped \(dropped.joined(separator: ", ")), which only the backup had)"))
        }
        try fm.removeItem(atPath: base)
        return done
    }

    /// About the room the databases' rollback copies take: the size of their dumps in the
    /// backup (a database has grown or shrunk since, so 10 % more is asked for with the rest).
    func databaseCopyEstimate(_ record: SnapshotRecord) async throws -> Int64 {
        let prefixes = Set(Self.databaseTargets(node).map(\.prefix))
        guard !prefixes.isEmpty else { return 0 }
        var total: Int64 = 0
        for path in record.snapshot.streams ?? [] {
            guard let prefix = path.split(separator: "/").first.map(String.init), prefixes.contains(prefix),
                path.hasSuffix(".dump") || path.hasSuffix(".sql")
            else { continue }
            total += try await repository.fileNode(record, path: path).size ?? 0
        }
        return total
    }

    /// Why `free` bytes beside `datadir` cannot hold the staged copy (`needed`) and the
    /// databases' rollback copies (`copies`) with 10 % to spare, or nil when they fit.
    static func spaceProblem(free: Int64, needed: Int64, copies: Int64, datadir: String) -> String? {
        let total = needed + copies
        guard free < total + total / 10 else { return nil }
        return "\(ByteText.format(free)) free next to \(datadir), the backup needs \(ByteText.format(needed))"
            + (copies > 0 ? " and the databases' rollback copies about \(ByteText.format(copies))" : "") + " plus 10 %"
    }
}
