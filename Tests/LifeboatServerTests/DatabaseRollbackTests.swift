import Foundation
import LifeboatCore
import LifeboatTestSupport
import Testing

/// A restore that fails after it loaded the backup into a node's PostgreSQL or MySQL database
/// puts the database back as the stopped node left it, against real servers on loopback ports:
/// the rows written after the backup are there again, a table only the backup had is gone,
/// and a table created after the backup is back with its rows.
@Suite struct DatabaseRollbackTests {
    /// A node whose start command fails the way a missing binary does, so the runbook fails in
    /// its start step, after the databases were loaded.
    static func yaml(dir: TemporaryDirectory, store: String, datadir: String) -> String {
        DaemonHarness.configHead(in: dir) + """

            nodes:
              - name: ledger-1
                datadir: \(datadir)
                stores:
                  - {type: file, path: side/state.txt}
            \(store)
                backups: {interval: 1h, max: 5, repositories: [primary]}
                control:
                  stop: "true"
                  start: "echo 'node binary not found' >&2; exit 7"
                  timeout: 30s
            """
    }

    static func makeDatadir(_ dir: TemporaryDirectory) throws -> String {
        let datadir = dir.appending("ledger")
        try FileManager.default.createDirectory(atPath: datadir + "/side", withIntermediateDirectories: true)
        try Data("as backed up\n".utf8).write(to: URL(fileURLWithPath: datadir + "/side/state.txt"))
        return datadir
    }

    /// Runs a backup, lets `moveOn` change the database, then a restore that fails in its start
    /// step; returns the restore job's error.
    static func backUpMoveOnAndFailARestore(_ h: DaemonHarness, datadir: String, moveOn: () throws -> Void) async throws -> String {
        let started = try await h.call(.POST, "/api/v1/nodes/ledger-1/backups")
        let backup = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        try moveOn()
        try Data("written after the backup\n".utf8).write(to: URL(fileURLWithPath: datadir + "/side/state.txt"))
        let restore = try await h.call(.POST, "/api/v1/nodes/ledger-1/node-restores", body: "{}")
        #expect(restore.status == 202, "\(restore.text)")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 180)
        #expect(job["state"] as? String == "Failed", "\(job)")
        let steps = (job["steps"] as? [[String: Any]]) ?? []
        let stores = steps.first { $0["id"] as? String == "restore-stores" }
        #expect(stores?["status"] as? String == "done", "the backup was loaded before the start failed: \(steps)")
        #expect((stores?["message"] as? String)?.contains("rollback copies of ledger") == true, "\(stores ?? [:])")
        let parent = (datadir as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(".lifeboat-") }
        #expect(leftovers.isEmpty, "rollback, staging and journal are gone: \(leftovers)")
        #expect(try String(contentsOfFile: datadir + "/side/state.txt", encoding: .utf8) == "written after the backup\n")
        return job["error"] as? String ?? ""
    }

    @Test func aFailedRestorePutsThePostgresDatabaseBack() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-pg-rollback")
        let pg = try await PostgresCluster.start(directory: dir.appending("pg"))
        defer { pg.stop() }
        try pg.sql("postgres", "CREATE DATABASE ledger")
        _ = try pg.sql(
            "ledger",
            """
            CREATE TABLE entries (id int PRIMARY KEY, body text);
            INSERT INTO entries SELECT g, md5(g::text) FROM generate_series(1, 100) g;
            CREATE TABLE retired (id int);
            INSERT INTO retired VALUES (1)
            """)
        let datadir = try Self.makeDatadir(dir)
        let store = """
                  - type: postgres
                    databases:
                      - {name: ledger, url: "\(pg.url("ledger"))", tables: [entries]}
            """
        let h = try await DaemonHarness(dir: dir, configuration: Self.yaml(dir: dir, store: store, datadir: datadir))
        defer { Task { await h.stop() } }
        let fingerprint = "SELECT count(*) || ' ' || md5(string_agg(body, ',' ORDER BY id)) FROM entries"
        var after = ""
        let error = try await Self.backUpMoveOnAndFailARestore(h, datadir: datadir) {
            _ = try pg.sql(
                "ledger",
                """
                INSERT INTO entries SELECT g, 'after ' || g FROM generate_series(101, 150) g;
                UPDATE entries SET body = 'changed' WHERE id = 7;
                DROP TABLE retired;
                CREATE TABLE newer (id int);
                INSERT INTO newer VALUES (7), (8)
                """)
            after = try pg.sql("ledger", fingerprint)
        }
        #expect(error.contains("step start failed") && error.contains("exit status 7"), "\(error)")
        #expect(error.contains("rolled back") && error.contains("database ledger as it was"), "\(error)")
        #expect(error.contains("dropped public.retired, which only the backup had"), "\(error)")
        #expect(after.hasPrefix("150 "))
        #expect(try pg.sql("ledger", fingerprint) == after, "the rows written after the backup are back")
        #expect(try pg.sql("ledger", "SELECT body FROM entries WHERE id = 7") == "changed")
        #expect(try pg.sql("ledger", "SELECT count(*) FROM newer") == "2")
        #expect(throws: (any Error).self) { try pg.sql("ledger", "SELECT count(*) FROM retired") }
    }

    @Test func aFailedRestorePutsTheMySQLDatabaseBack() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-mysql-rollback")
        let db = try await MariaDBServer.start(directory: dir.appending("mariadb"))
        defer { db.stop() }
        try db.sql("CREATE DATABASE ledger")
        _ = try db.sql(
            """
            CREATE TABLE entries (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB;
            INSERT INTO entries SELECT seq, MD5(seq) FROM seq_1_to_100;
            CREATE TABLE retired (id INT) ENGINE=InnoDB;
            INSERT INTO retired VALUES (1)
            """, database: "ledger")
        let datadir = try Self.makeDatadir(dir)
        let store = """
                  - {type: mysql, url: "\(db.url("ledger"))", password_file: \(db.passwordFile)}
            """
        let h = try await DaemonHarness(dir: dir, configuration: Self.yaml(dir: dir, store: store, datadir: datadir))
        defer { Task { await h.stop() } }
        let fingerprint = "SELECT CONCAT(count(*), ' ', MD5(GROUP_CONCAT(body ORDER BY id))) FROM entries"
        var after = ""
        let error = try await Self.backUpMoveOnAndFailARestore(h, datadir: datadir) {
            _ = try db.sql(
                """
                INSERT INTO entries SELECT seq, CONCAT('after ', seq) FROM seq_101_to_150;
                UPDATE entries SET body = 'changed' WHERE id = 7;
                DROP TABLE retired;
                CREATE TABLE newer (id INT) ENGINE=InnoDB;
                INSERT INTO newer VALUES (7), (8)
                """, database: "ledger")
            after = try db.sql(fingerprint, database: "ledger")
        }
        #expect(error.contains("step start failed") && error.contains("exit status 7"), "\(error)")
        #expect(error.contains("rolled back") && error.contains("database ledger as it was"), "\(error)")
        #expect(error.contains("dropped retired, which only the backup had"), "\(error)")
        #expect(after.hasPrefix("150 "))
        #expect(try db.sql(fingerprint, database: "ledger") == after, "the rows written after the backup are back")
        #expect(try db.sql("SELECT body FROM entries WHERE id = 7", database: "ledger") == "changed")
        #expect(try db.sql("SELECT count(*) FROM newer", database: "ledger") == "2")
        #expect(throws: (any Error).self) { try db.sql("SELECT count(*) FROM retired", database: "ledger") }
    }
}
