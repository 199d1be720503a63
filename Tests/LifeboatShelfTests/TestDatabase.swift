import CSQLite
import LifeboatCore

/// A WAL-mode SQLite database the test writes to, standing in for a node's store.
final class TestDatabase {
    let path: String
    private var handle: OpaquePointer?

    init(path: String, rows: Int) throws {
        self.path = path
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw LifeboatError(.io, "cannot open \(path)") }
        try execute("PRAGMA journal_mode=WAL")
        try execute("CREATE TABLE items (id INTEGER PRIMARY KEY, payload BLOB)")
        try insert(rows)
    }

    deinit { sqlite3_close(handle) }

    /// Adds `count` rows of 1 KiB each in one transaction.
    func insert(_ count: Int) throws {
        try execute("BEGIN")
        for _ in 0..<count { try execute("INSERT INTO items (payload) VALUES (randomblob(1024))") }
        try execute("COMMIT")
    }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw LifeboatError(.io, "\(sql): \(String(cString: sqlite3_errmsg(handle)))")
        }
    }
}
