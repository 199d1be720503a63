import CSQLite
import Foundation
import LifeboatChunking
import Testing

/// A directory under the system temp directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-sources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A test's own SQLite connection: a thin, throwing wrapper over the C API.
final class TestDatabase {
    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        let description: String
    }

    let connection: OpaquePointer

    init(path: String, create: Bool = true, busyTimeoutMilliseconds: Int32 = 10_000) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            throw Failure(code: rc, description: "open \(path): \(String(cString: sqlite3_errstr(rc)))")
        }
        connection = db
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit { sqlite3_close_v2(connection) }

    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(connection, sql, nil, nil, nil)
        guard rc == SQLITE_OK else {
            throw Failure(code: rc, description: "\(sql): \(String(cString: sqlite3_errmsg(connection)))")
        }
    }

    /// The first column of the first row of `sql`, as text.
    func text(_ sql: String) throws -> String {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        var rc = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw Failure(code: rc, description: "\(sql): \(String(cString: sqlite3_errmsg(connection)))")
        }
        rc = sqlite3_step(statement)
        guard rc == SQLITE_ROW, let value = sqlite3_column_text(statement, 0) else {
            throw Failure(code: rc, description: "\(sql): no row (\(String(cString: sqlite3_errmsg(connection))))")
        }
        return String(cString: value)
    }

    func integer(_ sql: String) throws -> Int {
        let value = try text(sql)
        guard let number = Int(value) else { throw Failure(code: SQLITE_MISMATCH, description: "\(sql) returned \(value)") }
        return number
    }

    /// Creates the schema the capture tests use: rows with an index, and a counter kept equal to count(*) of rows.
    func createCountedSchema() throws {
        try execute(
            """
            CREATE TABLE IF NOT EXISTS rows(id INTEGER PRIMARY KEY, tag INTEGER NOT NULL, payload BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS rows_tag ON rows(tag);
            CREATE TABLE IF NOT EXISTS counter(n INTEGER NOT NULL);
            INSERT INTO counter(n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM counter);
            """)
    }

    /// One transaction that adds `rows` rows, rewrites a few old ones and keeps the counter equal to count(*).
    func insertCountedBatch(rows: Int, payloadSize: Int = 200) throws {
        try execute(
            """
            BEGIN;
            WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < \(rows))
              INSERT INTO rows(tag, payload) SELECT abs(random()) % 1000, randomblob(\(payloadSize)) FROM c;
            UPDATE rows SET payload = randomblob(\(payloadSize)), tag = abs(random()) % 1000
              WHERE id IN (SELECT abs(random()) % (SELECT max(id) FROM rows) + 1 FROM rows LIMIT 3);
            UPDATE counter SET n = n + \(rows);
            COMMIT;
            """)
    }

    /// Asserts the database passes `integrity_check` and its counter equals its row count; returns that count.
    @discardableResult
    func expectConsistentCounter(sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        #expect(try text("PRAGMA integrity_check") == "ok", sourceLocation: sourceLocation)
        let rows = try integer("SELECT count(*) FROM rows")
        let counter = try integer("SELECT n FROM counter")
        #expect(counter == rows, "counter \(counter) but \(rows) rows", sourceLocation: sourceLocation)
        return rows
    }
}

extension SQLiteSnapshotReader {
    /// Reads every page, `batch` pages at a time, calling `pause` between batches, and writes the image to `path`.
    func writeImage(to path: String, batch: Int = 64, pause: () throws -> Void = {}) throws {
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        var page = 0
        while page < pageCount {
            let count = min(batch, pageCount - page)
            try readPages(from: page, count: count, into: &buffer)
            #expect(buffer.count == count * pageSize)
            try handle.write(contentsOf: buffer)
            page += count
            try pause()
        }
    }
}
