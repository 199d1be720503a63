import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatProcess
import LifeboatRepository

/// How to reach one PostgreSQL database with the libpq tools (`psql`, `pg_dump`,
/// `pg_restore`, `createdb`).
///
/// The URL carries no password: it comes from `passwordFile` (handed over in
/// `PGPASSWORD`), `PGPASSFILE`/`~/.pgpass`, or the libpq environment — never a command line.
public struct PostgresConnection: Sendable, Hashable {
    /// The name of the database entry (the dump's file name).
    public var name: String
    /// `postgres://USER@HOST[:PORT]/DATABASE[?sslmode=…]`, or any libpq connection string.
    public var url: String
    /// A file whose first line is the password.
    public var passwordFile: String?
    /// Tables (`table` or `schema.table`) whose row counts are recorded and compared after a restore.
    public var tables: [String]
    /// More libpq variables (`PGSSLMODE`, `PGPASSFILE`, `PGSSLROOTCERT`…).
    public var environment: [String: String]

    /// Creates a connection.
    public init(name: String, url: String, passwordFile: String? = nil, tables: [String] = [], environment: [String: String] = [:]) {
        self.name = name
        self.url = url
        self.passwordFile = passwordFile
        self.tables = tables
        self.environment = environment
    }

    /// The connection for a database of a `type: postgres` store.
    public init(database: PostgresDatabase, passwordFile: String? = nil, tables: [String] = []) {
        self.init(name: database.name, url: database.url, passwordFile: passwordFile, tables: tables)
    }

    /// The URL without any password, for messages.
    public var displayURL: String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = nil
        return parts.string ?? "(connection string)"
    }

    /// The same server with another database (for `createdb` and restoring into a new database).
    public func withDatabase(_ database: String) throws -> PostgresConnection {
        guard var parts = URLComponents(string: url), parts.scheme == "postgres" || parts.scheme == "postgresql" else {
            throw LifeboatError(.invalidArgument, "\(displayURL) is not a postgres:// URL; give one to restore into another database")
        }
        parts.path = "/" + database
        guard let other = parts.string else { throw LifeboatError(.invalidArgument, "cannot build a URL for database \(database)") }
        var copy = self
        copy.url = other
        return copy
    }

    /// Where PostgreSQL's tools are looked for after PATH: Debian's versioned directories, newest first.
    static let searchPaths: [String] = {
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(base)/\($0)/bin" }
    }()

    /// A libpq tool invocation: the password in the environment, never in arguments.
    func command(_ tool: String, _ arguments: [String]) throws -> Command {
        var env = environment
        if let passwordFile { env["PGPASSWORD"] = try PasswordFile.firstLine(ofFile: passwordFile, what: "PostgreSQL password file") }
        if env["PGCONNECT_TIMEOUT"] == nil && ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            env["PGCONNECT_TIMEOUT"] = "15"
        }
        return Command(tool, arguments, environment: env, searchPaths: Self.searchPaths)
    }

    /// A `psql` reading SQL from stdin, printing bare values, stopping at the first error.
    func psql(database: String? = nil) throws -> Command {
        try command("psql", ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "--no-password", "--dbname=" + (database ?? url)])
    }

    /// Runs SQL and returns psql's output lines, with clear errors.
    func query(_ sql: String) async throws -> [String] {
        let output = try await CommandRunner.run(try psql(), input: sql)
        if let failure = output.failure { throw classify(output.stderr, tool: "psql", failure: failure) }
        return output.stdout.split(whereSeparator: \.isNewline).map(String.init)
    }

    /// A clear error for a failed libpq tool, from its stderr.
    func classify(_ stderr: String, tool: String, failure: String) -> LifeboatError {
        let summary = stderr.split(separator: "\n", omittingEmptySubsequences: true).suffix(4).joined(separator: " / ")
        if stderr.contains("password authentication failed") || stderr.contains("no password supplied") {
            return LifeboatError(
                .invalidArgument,
                "PostgreSQL refused the password for database \(name) at \(displayURL); check its password file\(passwordFile.map { " \($0)" } ?? " or PGPASSFILE")"
            )
        }
        if stderr.contains("Connection refused") || stderr.contains("could not translate host name") || stderr.contains("timeout expired")
            || stderr.contains("No route to host") || stderr.contains("could not connect to server")
        {
            return LifeboatError(.io, "cannot reach PostgreSQL for database \(name) at \(displayURL): \(summary)")
        }
        if stderr.contains("does not exist") && stderr.contains("database") {
            return LifeboatError(.notFound, "database \(name) at \(displayURL) does not exist: \(summary)")
        }
        return LifeboatError(.io, "\(tool) for database \(name) at \(displayURL) \(failure): \(summary)")
    }

    /// A table name as SQL: each dot-separated part double-quoted.
    static func quoted(_ table: String) -> String {
        table.split(separator: ".").map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ".")
    }

    /// The row counts of ``tables`` now.
    public func rowCounts() async throws -> [String: Int64] {
        guard !tables.isEmpty else { return [:] }
        let sql = tables.map { "SELECT count(*) FROM \(Self.quoted($0));" }.joined(separator: "\n")
        let lines = try await query(sql)
        guard lines.count == tables.count else {
            throw LifeboatError(.io, "psql returned \(lines.count) counts for \(tables.count) tables of database \(name)")
        }
        var out: [String: Int64] = [:]
        for (table, line) in zip(tables, lines) { out[table] = Int64(line.trimmingCharacters(in: .whitespaces)) ?? -1 }
        return out
    }
}
