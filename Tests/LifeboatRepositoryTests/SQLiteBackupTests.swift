import CSQLite
import Foundation
import LifeboatCore
import LifeboatRepository
import LifeboatTestSupport
import Testing

/// Runs SQL through the SQLite C API and returns the first column of the first row.
func sqliteScalar(_ path: String, _ sql: String) throws -> String {
    var db: OpaquePointer?
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { throw LifeboatError(.io, "open \(path)") }
    defer { sqlite3_close(db) }
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else {
        throw LifeboatError(.io, String(cString: sqlite3_errmsg(db)))
    }
    defer { sqlite3_finalize(stmt) }
    guard sqlite3_step(stmt) == SQLITE_ROW, let text = sqlite3_column_text(stmt, 0) else { return "" }
    return String(cString: text)
}

/// A Python process writing to a WAL-mode database in transactions: each inserts a batch
/// and sets a one-row counter to the total, so a consistent copy has counter == count(*).
struct DatabaseWriter {
    let process = Process()

    static let script = """
        import sqlite3, sys, os, time
        db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
        db.execute("pragma journal_mode=wal"); db.execute("pragma wal_autocheckpoint=50")
        db.execute("create table if not exists docs(id integer primary key, body text)")
        db.execute("create table if not exists counter(n integer)")
        if db.execute("select count(*) from counter").fetchone()[0] == 0: db.execute("insert into counter values(0)")
        n = db.execute("select count(*) from docs").fetchone()[0]
        ready = sys.argv[2]
        while n < 60000:
            time.sleep(0.002)
            db.execute("begin immediate")
            db.executemany("insert into docs(body) values(?)", [(os.urandom(300).hex(),) for _ in range(50)])
            n += 50
            db.execute("update counter set n=?", (n,))
            db.execute("commit")
            if not os.path.exists(ready): open(ready, "w").close()
        time.sleep(3600)
        """

    init(database: String, ready: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, database, ready]
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: ready) && Date() < deadline { usleep(20_000) }
    }

    /// Kills the writer. SIGKILL, because a child of Foundation's `Process` may have
    /// SIGTERM blocked; a writer killed mid-transaction is what a crash looks like anyway.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct SQLiteBackupTests {
    @Test func liveDatabaseIsCapturedConsistently() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let node = try t.makeDirectory("node")
        let db = node + "/data.db"
        let writer = try DatabaseWriter(database: db, ready: t.dir.appending("ready"))
        // Let the database grow past a few MiB so the capture takes a while.
        while ((try? FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0) < 3 << 20 { usleep(50_000) }
        var ids: [ObjectID] = []
        for _ in 0..<3 {
            ids.append(try await t.repo.backup(paths: [node], options: BackupOptions()).id)
        }
        writer.stop()
        for (i, id) in ids.enumerated() {
            let target = t.dir.appending("out\(i)")
            let result = try await t.repo.restore(try await t.repo.findSnapshot(id.hex), options: RestoreOptions(target: target))
            #expect(result.failures.isEmpty)
            let restored = target + "/node/data.db"
            #expect(!FileManager.default.fileExists(atPath: restored + "-wal"), "sidecar files are not backed up")
            #expect(try sqliteScalar(restored, "pragma integrity_check") == "ok")
            let count = try sqliteScalar(restored, "select count(*) from docs")
            let counter = try sqliteScalar(restored, "select n from counter")
            #expect(count == counter, "snapshot \(i) is not a consistent point in time: \(count) rows, counter \(counter)")
            #expect((Int(count) ?? 0) > 0)
        }
    }

    @Test func smallRowUpdateStoresOnlyTouchedPages() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let node = try t.makeDirectory("node")
        let db = node + "/store.db"
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        make.arguments = [
            "python3", "-c",
            """
            import sqlite3, os, sys
            db = sqlite3.connect(sys.argv[1]); db.execute("pragma journal_mode=wal")
            db.execute("create table docs(id integer primary key, body text)")
            db.executemany("insert into docs values(?,?)", [(i, os.urandom(700).hex()) for i in range(8000)])
            db.commit(); db.execute("pragma wal_checkpoint(truncate)")
            """, db,
        ]
        try make.run()
        make.waitUntilExit()
        let size = try #require(FileManager.default.attributesOfItem(atPath: db)[.size] as? Int)
        _ = try await t.repo.backup(paths: [node], options: BackupOptions())
        let update = Process()
        update.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        update.arguments = [
            "python3", "-c",
            """
            import sqlite3, os, sys, random
            r = random.Random(7); db = sqlite3.connect(sys.argv[1])
            db.executemany("update docs set body=? where id=?", [(os.urandom(700).hex(), i) for i in r.sample(range(8000), 40)])
            db.commit()
            """, db,
        ]
        try update.run()
        update.waitUntilExit()
        let second = try await t.repo.backup(paths: [node], options: BackupOptions())
        // 40 of 8000 rows touch at most ~80 of ~3000 pages plus the header page.
        #expect(second.snapshot.summary.bytesAdded < Int64(size) / 10, "added \(second.snapshot.summary.bytesAdded) of \(size)")
        #expect(second.snapshot.summary.bytesAdded > 0)
    }
}
