import Foundation
import LifeboatCore

/// One PostgreSQL database reached through the real `psql` client, one call at a time.
///
/// Each call runs `psql -X -q -A -t -v ON_ERROR_STOP=1` with the SQL on standard input and
/// returns the rows it printed (fields split on U+001F). That is plenty for the demo node's
/// few writes a second and keeps it free of a PostgreSQL driver. Values must not contain
/// newlines or U+001F: the Canton profile stores names, numbers and hex only.
///
/// ```swift
/// let db = try PostgresDatabase(role: "validator", url: "postgresql://splice@127.0.0.1:5432/validator")
/// let rows = try db.execute("SELECT name, party FROM users ORDER BY name")
/// ```
/// The password, if any, comes from libpq's environment (`PGPASSWORD`, `PGPASSFILE`,
/// `~/.pgpass`): never from the URL in messages.
final class PostgresDatabase: @unchecked Sendable {
    /// What the database is for (`validator`, `participant`), for messages.
    let role: String
    /// The libpq connection URI.
    let url: String
    private let psql: String
    private let lock = NSLock()

    /// Finds `psql` and checks that the database answers; throws one clear message when not.
    init(role: String, url: String) throws {
        self.role = role
        self.url = url
        psql = try Self.findPsql()
        do {
            _ = try run("SELECT 1")
        } catch let error as LifeboatError {
            throw LifeboatError(
                error.code,
                "cannot use the \(role) database at \(Self.display(url)): \(error.message); start PostgreSQL and create the database, or fix --\(role)-db"
            )
        }
    }

    /// Runs SQL (one or more statements) and returns the rows printed, each split into fields.
    @discardableResult
    func execute(_ sql: String) throws -> [[String]] {
        try lock.withLock { try run(sql) }
    }

    /// A SQL string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A bytea literal from bytes.
    static func bytea(_ bytes: [UInt8]) -> String {
        "'\\x" + Hex.encode(bytes) + "'::bytea"
    }

    /// The URL without a password, for messages.
    static func display(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = nil
        return parts.string ?? "(connection string)"
    }

    /// `psql` from PATH, else Debian's versioned directories (newest first).
    private static func findPsql() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        let directories = path.split(separator: ":").map(String.init) + versions.map { "\(base)/\($0)/bin" }
        guard let found = directories.map({ $0 + "/psql" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw LifeboatError(.notFound, "psql was not found in PATH or \(base)/*/bin; install the PostgreSQL client (postgresql-client)")
        }
        return found
    }

    /// Runs psql once; the caller holds the lock (or is the initialiser).
    private func run(_ sql: String) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: psql)
        process.arguments = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "--no-password", "-F", "\u{1F}", "--dbname=" + url]
        var environment = ProcessInfo.processInfo.environment
        if environment["PGCONNECT_TIMEOUT"] == nil { environment["PGCONNECT_TIMEOUT"] = "5" }
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw LifeboatError(.io, "could not run \(psql): \(error.localizedDescription)")
        }
        // A failed psql may exit before reading its input; writing then must not kill us (SIGPIPE).
        try? input.fileHandleForWriting.write(contentsOf: Data((sql + ";\n").utf8))
        try? input.fileHandleForWriting.close()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let text = String(decoding: stderr, as: UTF8.self)
            let summary = text.split(separator: "\n", omittingEmptySubsequences: true).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.prefix(2).joined(separator: " ")
            let code: LifeboatError.Code = text.contains("does not exist") ? .notFound : .io
            throw LifeboatError(code, summary.isEmpty ? "psql exited with status \(process.terminationStatus)" : summary)
        }
        return String(decoding: stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
