import Foundation
import LifeboatCore
import LifeboatProcess

/// Copies of a database as it is now, kept in a file so that a failed restore can put the
/// database back as it was before the backup was loaded into it (the runbook's rollback).
///
/// PostgreSQL: `pg_dump --format=custom --file`, put back with `pg_restore --clean --if-exists
/// --single-transaction` (all or nothing). MySQL/MariaDB: `mariadb-dump --single-transaction
/// --result-file`, fed back to the client. Either way the tables the copy did not have (the
/// backup brought them) are dropped afterwards, so the database holds the copy's tables only.
extension PostgresConnection {
    /// Whether the server has the database; other connection problems throw.
    public func exists() async throws -> Bool {
        do {
            _ = try await query("SELECT 1;")
            return true
        } catch let error as LifeboatError where error.code == .notFound {
            return false
        }
    }

    /// The tables outside the system schemas, each as a quoted `schema.table`, sorted.
    public func userTables() async throws -> [String] {
        try await query(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1;"
        )
    }

    /// Drops the database this connection names, if it exists (`dropdb --if-exists`, from the
    /// server's `postgres` database).
    public func dropDatabase() async throws {
        guard let database = URLComponents(string: url)?.path.split(separator: "/").last.map(String.init), !database.isEmpty else {
            throw LifeboatError(.invalidArgument, "\(displayURL) names no database to drop")
        }
        let maintenance = try withDatabase("postgres")
        let output = try await CommandRunner.run(
            try command("dropdb", ["--if-exists", "--no-password", "--maintenance-db=" + maintenance.url, database]))
        if let failure = output.failure { throw classify(output.stderr, tool: "dropdb", failure: failure) }
    }

    /// Writes the database as it is now to `file` (custom format).
    public func dump(toFile file: String) async throws {
        let output = try await CommandRunner.run(
            try command("pg_dump", ["--format=custom", "--no-password", "--file=" + file, "--dbname=" + url]))
        if let failure = output.failure { throw classify(output.stderr, tool: "pg_dump", failure: failure) }
    }

    /// Puts back a copy ``dump(toFile:)`` wrote, over the current content and in one
    /// transaction, then drops the tables not among `tables` (those the copy had). Returns the
    /// tables dropped.
    public func restoreCopy(fromFile file: String, tables: [String]) async throws -> [String] {
        let output = try await CommandRunner.run(
            try command(
                "pg_restore", ["--no-password", "--clean", "--if-exists", "--single-transaction", "--dbname=" + url, file]))
        if let failure = output.failure { throw classify(output.stderr, tool: "pg_restore", failure: failure) }
        let extra = try await userTables().filter { !tables.contains($0) }
        if !extra.isEmpty {
            _ = try await query("BEGIN;\n" + extra.map { "DROP TABLE IF EXISTS \($0) CASCADE;" }.joined(separator: "\n") + "\nCOMMIT;")
        }
        return extra
    }
}

extension MySQLStoreClient {
    /// Whether the server has the database; other connection problems throw.
    public func exists() async throws -> Bool {
        do {
            _ = try await connection.query("SELECT 1;", database: connection.name)
            return true
        } catch let error as LifeboatError where error.code == .notFound {
            return false
        }
    }

    /// The database's base tables, sorted.
    public func tables() async throws -> [String] { try await connection.tables() }

    /// Writes the database as it is now to `file` (the backup's dump options, one transaction).
    public func dump(toFile file: String) async throws {
        let options = try MySQLOptionFile(password: try connection.password())
        defer { options.remove() }
        let command = try connection.command(
            MySQLConnection.dumpTools, MySQLDumpProducer.dumpArguments + ["--result-file=" + file, "--", connection.name],
            options: options)
        let output = try await CommandRunner.run(command)
        if let failure = output.failure { throw connection.classify(output.stderr, tool: command.name, failure: failure) }
    }

    /// Feeds a copy ``dump(toFile:)`` wrote to the client (each of its tables dropped and
    /// written again), then drops the tables not among `tables`. Returns the tables dropped.
    public func restoreCopy(fromFile file: String, tables: [String]) async throws -> [String] {
        let options = try MySQLOptionFile(password: try connection.password())
        defer { options.remove() }
        let command = try connection.command(MySQLConnection.clientTools, ["--binary-mode", "--", connection.name], options: options)
        let output = try await CommandRunner.run(command, inputFile: file)
        if let failure = output.failure { throw connection.classify(output.stderr, tool: command.name, failure: failure) }
        let extra = try await connection.tables().filter { !tables.contains($0) }
        if !extra.isEmpty {
            let quoted = extra.map { "`" + $0.replacingOccurrences(of: "`", with: "``") + "`" }
            _ = try await connection.query(
                "SET FOREIGN_KEY_CHECKS = 0;\nDROP TABLE IF EXISTS \(quoted.joined(separator: ", "));", database: connection.name)
        }
        return extra
    }
}
