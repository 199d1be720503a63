import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatRepository
import LifeboatTestSupport
import Testing

@testable import LifeboatJobs

/// A Nuts 6 node whose `storage.sql.connection` is MariaDB: the daemon dumps the database with
/// `mariadb-dump --single-transaction`, and `node-restores` feeds the dump to the `mariadb`
/// client, against a real MariaDB server on a loopback port.
@Suite struct MySQLRunbookTests {
    @Test func aNuts6NodeOnMariaDBIsBackedUpAndRestoredByTheRunbook() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-mysql-runbook")
        let db = try await MariaDBServer.start(directory: dir.appending("mariadb"))
        defer { db.stop() }
        try db.sql("CREATE DATABASE nuts")
        try db.sql(
            """
            CREATE TABLE did_document (id INT PRIMARY KEY, did VARCHAR(80)) ENGINE=InnoDB;
            CREATE TABLE credential (id INT PRIMARY KEY, did VARCHAR(80), body TEXT) ENGINE=InnoDB;
            INSERT INTO did_document SELECT seq, CONCAT('did:web:n:', seq) FROM seq_1_to_700;
            INSERT INTO credential SELECT seq, CONCAT('did:web:n:', seq), REPEAT('v', seq % 90) FROM seq_1_to_700
            """, database: "nuts")
        let datadir = dir.appending("nuts")
        try FileManager.default.createDirectory(atPath: datadir + "/vcr", withIntermediateDirectories: true)
        try Data("NutsOrganizationCredential: [did:web:issuer]\n".utf8).write(
            to: URL(fileURLWithPath: datadir + "/vcr/trusted_issuers.yaml"))
        let yaml =
            DaemonHarness.configHead(in: dir) + """

                nodes:
                  - name: nuts-6
                    profile: nuts6
                    datadir: \(datadir)
                    stores:
                      - {type: mysql, url: "\(db.url("nuts"))", password_file: \(db.passwordFile)}
                      - {type: file, path: vcr/trusted_issuers.yaml}
                    backups: {interval: 1h, max: 5, repositories: [primary]}
                """
        let h = try await DaemonHarness(dir: dir, configuration: yaml)
        defer { Task { await h.stop() } }
        let node = try #require(h.daemon.configuration.node(named: "nuts-6"))
        #expect(Doctor.storeList(node).isEmpty, "a mysql store covers a Nuts 6 node's SQL database")

        let started = try await h.call(.POST, "/api/v1/nodes/nuts-6/backups")
        let backup = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        let fingerprint = "SELECT count(*), MD5(GROUP_CONCAT(body ORDER BY id)) FROM credential"
        let before = try db.sql(fingerprint, database: "nuts")

        // The server lost the database; the runbook creates it and feeds the dump to the client.
        try db.sql("DROP DATABASE nuts")
        let restore = try await h.call(.POST, "/api/v1/nodes/nuts-6/node-restores", body: "{}")
        #expect(restore.status == 202, "\(restore.text)")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 120)
        #expect(job["state"] as? String == "Completed", "\(job)")
        #expect(try db.sql(fingerprint, database: "nuts") == before)
        #expect(try db.sql("SELECT count(*) FROM did_document", database: "nuts") == "700")
        #expect(FileManager.default.fileExists(atPath: datadir + "/vcr/trusted_issuers.yaml"))
        #expect(!FileManager.default.fileExists(atPath: datadir + "/mysql"), "the dump went to the server, not into the datadir")
    }

    @Test func aBackupWithoutTheStoresDumpIsRefusedInTheCheckStep() throws {
        let node = NodeConfiguration(
            name: "nuts-6", profile: .nuts6,
            stores: [.mysql(MySQLStore(url: "mysql://nuts@127.0.0.1/nuts")), .mysql(MySQLStore(url: "mysql://nuts@127.0.0.1/audit"))])
        let older = try RunbookPreflightTests.snapshot(daysOld: 1, tags: [], now: Date())
        let problem = NodeRestoreRunbook.missingMySQLDump(node: node, record: older)
        #expect(
            problem?.contains("holds no MySQL dump mysql/nuts.sql for the store mysql://nuts@127.0.0.1/nuts") == true, "\(problem ?? "")")
        var both = older
        both.snapshot.streams = ["mysql/nuts.sql", "mysql/mysql.json"]
        #expect(NodeRestoreRunbook.missingMySQLDump(node: node, record: both)?.contains("mysql-2/audit.sql") == true)
        both.snapshot.streams? += ["mysql-2/audit.sql", "mysql-2/mysql.json"]
        #expect(NodeRestoreRunbook.missingMySQLDump(node: node, record: both) == nil)
    }

    @Test func aMissingMySQLClientIsNamedBeforeTheNodeIsStopped() {
        let node = NodeConfiguration(
            name: "nuts-6", profile: .nuts6, stores: [.mysql(MySQLStore(url: "mysql://nuts@127.0.0.1/nuts"))])
        #expect(NodeRestoreRunbook.missingMySQLClient(node, installed: { _ in nil }) == ["mariadb (or mysql)"])
        #expect(NodeRestoreRunbook.missingMySQLClient(node, installed: { $0.last }).isEmpty)
        // mariadb is installed here (the suite's MariaDB tests use it), so the preflight finds nothing missing.
        #expect(NodeRestoreRunbook.missingTools(node).isEmpty)
        #expect(
            NodeRestoreRunbook.missingMySQLClient(
                NodeConfiguration(name: "files", stores: [.sqlite(path: "/x.db")]), installed: { _ in nil }
            ).isEmpty)
    }
}
