import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatProcess

/// How to reach one MySQL or MariaDB database with the clients MariaDB and MySQL ship
/// (`mariadb-dump`/`mysqldump`, `mariadb`/`mysql`).
///
/// The password comes from the store's `password_file`, handed over in a private option file
/// (``MySQLOptionFile``), or from the user's `~/.my.cnf`; never from a command line.
public struct MySQLConnection: Sendable, Hashable {
    /// The store.
    public var store: MySQLStore
    /// Seconds a client waits for the server to accept it.
    public var connectTimeout = 15

    /// Creates a connection for a `type: mysql` store.
    public init(store: MySQLStore) { self.store = store }

    /// The database's name (the dump's file name).
    public var name: String { store.database }
    /// The URL, which holds no password (the configuration refuses one).
    public var displayURL: String { store.url }

    /// The dump tools, MariaDB's first.
    public static let dumpTools = ["mariadb-dump", "mysqldump"]
    /// The command-line clients, MariaDB's first.
    public static let clientTools = ["mariadb", "mysql"]

    /// The first of `tools` found on PATH, or nil.
    public static func installed(_ tools: [String]) -> String? {
        tools.first { (try? Command($0, []).resolvedExecutable()) != nil }
    }

    /// The password, when the store names a password file.
    func password() throws -> String? {
        try store.passwordFile.map { try PasswordFile.firstLine(ofFile: $0, what: "MySQL password file") }
    }

    /// An invocation of the first installed of `tools`: the option file first (the clients
    /// require it there), then the server and user, then `arguments`.
    func command(_ tools: [String], _ arguments: [String], options: MySQLOptionFile) throws -> Command {
        guard let tool = Self.installed(tools) else {
            throw LifeboatError(
                .notFound,
                "\(tools.joined(separator: " or ")) not found on PATH; install the MariaDB client (apt-get install mariadb-client)")
        }
        var connection = ["--host=" + store.host, "--port=\(store.port)", "--user=" + store.user, "--default-character-set=utf8mb4"]
        // Only the interactive client takes a connect timeout; the dump runs right after it connected.
        if Self.clientTools.contains(tool) { connection.append("--connect-timeout=\(connectTimeout)") }
        return Command(tool, options.arguments + connection + arguments)
    }

    /// Runs SQL with the client (`database` nil: no default database) and returns its bare
    /// output lines (`--batch --skip-column-names`).
    func query(_ sql: String, database: String? = nil) async throws -> [String] {
        let options = try MySQLOptionFile(password: try password())
        defer { options.remove() }
        var arguments = ["--batch", "--skip-column-names"]
        if let database { arguments.append(database) }
        let command = try self.command(Self.clientTools, arguments, options: options)
        let output = try await CommandRunner.run(command, input: sql)
        if let failure = output.failure { throw classify(output.stderr, tool: command.name, failure: failure) }
        return output.stdout.split(whereSeparator: \.isNewline).map(String.init)
    }

    /// The base tables of the database, sorted.
    func tables() async throws -> [String] {
        let quoted = "'" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
        return try await query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = \(quoted) AND table_type = 'BASE TABLE' ORDER BY table_name;"
        )
    }

    /// The name as a quoted identifier.
    var quotedName: String { "`" + name.replacingOccurrences(of: "`", with: "``") + "`" }

    /// One clear line for a failed client, from its stderr; the password never appears in it.
    func classify(_ stderr: String, tool: String, failure: String) -> LifeboatError {
        var text = stderr
        if let password = try? password(), !password.isEmpty { text = text.replacingOccurrences(of: password, with: "***") }
        let summary = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(3).joined(separator: " / ")
        if text.contains("Access denied for user") && !text.contains("to database") {
            let source = store.passwordFile.map { "its password file \($0)" } ?? "~/.my.cnf (or give password_file)"
            return LifeboatError(
                .invalidArgument, "MySQL refused the login of \(store.user) for database \(name) at \(displayURL); check \(source)")
        }
        if text.contains("Unknown database") {
            return LifeboatError(.notFound, "database \(name) does not exist at \(displayURL)")
        }
        if text.contains("Can't connect to") || text.contains("Unknown MySQL server host") || text.contains("Unknown server host")
            || text.contains("Lost connection to server at 'handshake")
        {
            return LifeboatError(.io, "cannot reach MySQL for database \(name) at \(displayURL): \(summary)")
        }
        return LifeboatError(.io, "\(tool) for database \(name) at \(displayURL) \(failure): \(summary)")
    }
}
