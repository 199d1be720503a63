import CSQLite
import Foundation
import LifeboatCore

/// A value read from or bound to a SQLite statement.
enum SQLiteValue: Sendable, Hashable {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    /// The integer, or 0 for other kinds.
    var integer: Int64 {
        if case .integer(let value) = self { return value }
        return 0
    }

    /// The text, or "" for other kinds.
    var text: String {
        if case .text(let value) = self { return value }
        return ""
    }
}

/// One SQLite database file in WAL mode, used from any thread one call at a time.
///
/// All statements run under a lock, so the write workload, the HTTP handlers and the
/// reprocess tasks can share a connection; the shelf copies through its own connection.
final class SQLiteDatabase: @unchecked Sendable {
    /// The database file.
    let path: String
    private let handle: OpaquePointer
    private let lock = NSLock()
    private var closed = false

    /// Opens (creating if needed) a database in WAL mode.
    init(path: String) throws {
        self.path = path
        var database: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let result = sqlite3_open_v2(path, &database, flags, nil)
        guard result == SQLITE_OK, let database else {
            sqlite3_close_v2(database)
            throw LifeboatError(.io, "could not open SQLite database \(path): \(String(cString: sqlite3_errstr(result)))")
        }
        handle = database
        sqlite3_busy_timeout(database, 10_000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
    }

    deinit {
        if !closed { sqlite3_close_v2(handle) }
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func execute(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try lock.withLock { try run(sql, bindings) }
    }

    /// Runs `body` inside one write transaction (`BEGIN IMMEDIATE` … `COMMIT`).
    func transaction(_ body: (_ run: (String, [SQLiteValue]) throws -> [[SQLiteValue]]) throws -> Void) throws {
        try lock.withLock {
            _ = try run("BEGIN IMMEDIATE", [])
            do {
                try body { sql, bindings in try self.run(sql, bindings) }
                _ = try run("COMMIT", [])
            } catch {
                _ = try? run("ROLLBACK", [])
                throw error
            }
        }
    }

    /// Moves the WAL into the main file and closes the connection; later calls fail.
    func checkpointAndClose() {
        lock.withLock {
            guard !closed else { return }
            _ = try? run("PRAGMA wal_checkpoint(TRUNCATE)", [])
            sqlite3_close_v2(handle)
            closed = true
        }
    }

    /// Prepares, binds and steps one statement; the caller holds the lock.
    private func run(_ sql: String, _ bindings: [SQLiteValue]) throws -> [[SQLiteValue]] {
        guard !closed else { throw LifeboatError(.io, "database \(path) is closed") }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw failure(sql)
        }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            case .text(let text): sqlite3_bind_text(statement, index, text, -1, transient)
            case .blob(let bytes): sqlite3_bind_blob(statement, index, bytes, Int32(bytes.count), transient)
            case .null: sqlite3_bind_null(statement, index)
            }
        }
        var rows: [[SQLiteValue]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw failure(sql) }
            rows.append((0..<sqlite3_column_count(statement)).map { column(statement, $0) })
        }
        return rows
    }

    private func column(_ statement: OpaquePointer, _ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard count > 0, let bytes = sqlite3_column_blob(statement, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        case SQLITE_NULL: return .null
        default: return .text(String(cString: sqlite3_column_text(statement, index)))
        }
    }

    private func failure(_ sql: String) -> LifeboatError {
        LifeboatError(.io, "SQLite error in \(path) running \"\(sql.prefix(60))\": \(String(cString: sqlite3_errmsg(handle)))")
    }
}
