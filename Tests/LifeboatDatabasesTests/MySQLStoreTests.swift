import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatProcess
import LifeboatRepository
import LifeboatTestSupport
import Testing

@testable import LifeboatDatabases

/// MySQL/MariaDB backup and restore against a real MariaDB server (mariadb-install-db +
/// mariadbd on a loopback port, see ``MariaDBServer``).
@Suite struct MySQLStoreTests {
    static let schema = """
        CREATE TABLE dids (id BIGINT AUTO_INCREMENT PRIMARY KEY, did VARCHAR(80) NOT NULL, doc BLOB) ENGINE=InnoDB;
        CREATE TABLE credentials (id BIGINT AUTO_INCREMENT PRIMARY KEY, did VARCHAR(80) NOT NULL, body TEXT) ENGINE=InnoDB;
        INSERT INTO dids (did, doc) SELECT CONCAT('did:web:seed:', seq), UNHEX(MD5(seq)) FROM seq_1_to_2000;
        INSERT INTO credentials (did, body) SELECT CONCAT('did:web:seed:', seq), REPEAT('c', seq % 200) FROM seq_1_to_2000
        """

    static func counts(_ db: MariaDBServer, _ database: String = "nuts") throws -> (dids: Int, credentials: Int) {
        let fields = try db.sql("SELECT (SELECT count(*) FROM dids), (SELECT count(*) FROM credentials)", database: database)
            .split(separator: "\t").map { Int($0) ?? -1 }
        return (fields.first ?? -1, fields.last ?? -1)
    }

    /// A client that keeps inserting one row into each table per transaction until stopped.
    final class Writer: Sendable {
        let child: ChildProcess
        let task: Task<Int, Never>

        init(_ db: MariaDBServer) throws {
            let child = try ChildProcess(
                Command("mariadb", ["--no-defaults", "--socket=" + db.socket, "--user=root", "nuts"]), pipeStdin: true, pipeStdout: false)
            self.child = child
            task = Task.detached {
                var n = 0
                while !Task.isCancelled {
                    n += 1
                    let sql =
                        "BEGIN; INSERT INTO dids (did, doc) VALUES ('did:web:w:\(n)', UNHEX(MD5(\(n)))); INSERT INTO credentials (did, body) VALUES ('did:web:w:\(n)', REPEAT('w', \(n % 300))); COMMIT;\n"
                    guard (try? child.write(Array(sql.utf8))) != nil else { break }
                    if n % 50 == 0 { try? await Task.sleep(for: .milliseconds(1)) }
                }
                return n
            }
        }

        func stop() async -> Int {
            task.cancel()
            let n = await task.value
            child.closeStdin()
            _ = await child.wait()
            return n
        }
    }

    @Test func aDumpTakenWhileAWriterInsertsIsConsistentAndRestoresIntoALostDatabase() async throws {
        let f = try await Fixture(prefix: "lifeboat-mysql")
        defer { f.dir.remove() }
        let db = try await MariaDBServer.start(directory: try f.directory("mariadb"))
        defer { db.stop() }
        try db.sql("CREATE DATABASE nuts")
        try db.sql(Self.schema, database: "nuts")
        let client = MySQLStoreClient(store: MySQLStore(url: db.url("nuts"), passwordFile: db.passwordFile))

        let writer = try Writer(db)
        // Writes must be going on before the dump starts and after it ends.
        while try Self.counts(db).dids < 2500 { try await Task.sleep(for: .milliseconds(20)) }
        var options = BackupOptions()
        options.node = "nuts6-1"
        options.streams = try await client.backupEntries()
        let backup = try await f.repo.backup(paths: [], options: options)
        let atEnd = try Self.counts(db).dids
        try await Task.sleep(for: .milliseconds(200))
        let written = await writer.stop()
        let final = try Self.counts(db)
        #expect(final.dids == final.credentials)
        #expect(final.dids > atEnd && written > 500, "the writer kept writing through the dump (\(written) transactions)")
        #expect(backup.snapshot.streams == ["mysql/nuts.sql", "mysql/mysql.json"])

        let record = try await f.repo.loadSnapshot(backup.id)
        let manifest = try await client.manifest(from: f.repo, snapshot: record)
        #expect(manifest.database == "nuts" && manifest.tables == ["credentials", "dids"])
        #expect(manifest.serverVersion.contains("MariaDB"))
        let dump = String(decoding: try await f.repo.readSmallFile(record, path: "mysql/nuts.sql", limit: 64 << 20), as: UTF8.self)
        #expect(dump.contains("CREATE TABLE `dids`") && dump.contains("INSERT INTO `credentials`"))
        #expect(!dump.contains(db.password))

        // The server lost the database: the restore creates it and brings every row back, both tables equal.
        try db.sql("DROP DATABASE nuts")
        let report = try await client.restore(from: f.repo, snapshot: record)
        #expect(report.created && report.tables == ["credentials", "dids"])
        let restored = try Self.counts(db)
        #expect(restored.dids == restored.credentials, "one transaction's two inserts stay together")
        #expect(restored.dids >= 2500 && restored.dids <= atEnd)
        let fingerprint = "SELECT count(*), MD5(GROUP_CONCAT(did, HEX(doc) ORDER BY id)) FROM dids"
        let restoredFingerprint = try db.sql(fingerprint, database: "nuts")

        // Emptied tables and a stray row are replaced by the backup's content.
        try db.sql("DELETE FROM dids WHERE id % 2 = 0; TRUNCATE credentials; INSERT INTO dids (did) VALUES ('stray')", database: "nuts")
        let again = try await client.restore(from: f.repo, snapshot: record)
        #expect(!again.created)
        #expect(try db.sql(fingerprint, database: "nuts") == restoredFingerprint)
        #expect(try Self.counts(db) == restored)
    }

    @Test func wrongCredentialsUnknownDatabaseAndNoServerGiveOneClearLine() async throws {
        let f = try await Fixture(prefix: "lifeboat-mysql")
        defer { f.dir.remove() }
        let db = try await MariaDBServer.start(directory: try f.directory("mariadb"))
        defer { db.stop() }
        try db.sql("CREATE DATABASE nuts")
        let wrong = f.dir.appending("wrong.pass")
        let wrongPassword = "not-the-password-7q"
        try Data((wrongPassword + "\n").utf8).write(to: URL(fileURLWithPath: wrong))

        let refused = await #expect(throws: LifeboatError.self) {
            try await MySQLStoreClient(store: MySQLStore(url: db.url("nuts"), passwordFile: wrong)).backupEntries()
        }
        let message = refused?.message ?? ""
        #expect(message == "MySQL refused the login of lifeboat for database nuts at \(db.url("nuts")); check its password file \(wrong)")
        #expect(!message.contains(wrongPassword) && !message.contains(db.password) && !message.contains("\n"))

        let missing = await #expect(throws: LifeboatError.self) {
            try await MySQLStoreClient(store: MySQLStore(url: db.url("absent"), passwordFile: db.passwordFile)).backupEntries()
        }
        #expect(missing?.code == .notFound && missing?.message == "database absent does not exist at \(db.url("absent"))")

        let port = try LoopbackHTTP.freePort()
        let unreachable = await #expect(throws: LifeboatError.self) {
            try await MySQLStoreClient(store: MySQLStore(url: "mysql://lifeboat@127.0.0.1:\(port)/nuts", passwordFile: db.passwordFile))
                .backupEntries()
        }
        #expect(unreachable?.message.hasPrefix("cannot reach MySQL for database nuts at mysql://lifeboat@127.0.0.1:\(port)/nuts") == true)
        #expect(unreachable?.message.contains(db.password) == false)
    }

    @Test func thePasswordTravelsInAPrivateOptionFileNeverInArguments() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-mysql-options")
        defer { dir.remove() }
        let password = "p\"a\\ss wo#rd"
        let file = dir.appending("pass")
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let connection = MySQLConnection(store: MySQLStore(url: "mysql://nuts@db.example:3307/nuts", passwordFile: file))
        let options = try MySQLOptionFile(password: try connection.password())
        let command = try connection.command(MySQLConnection.dumpTools, MySQLDumpProducer.dumpArguments + ["--", "nuts"], options: options)
        let path = try #require(options.path)
        #expect(command.arguments.first == "--defaults-extra-file=" + path, "the option file must come first")
        #expect(command.arguments.contains("--single-transaction"))
        #expect(!command.arguments.joined(separator: " ").contains("p\"a") && command.environment["MYSQL_PWD"] == nil)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat((path as NSString).deletingLastPathComponent, &info) == 0 && info.st_mode & 0o777 == 0o700)
        // The client reads back exactly the password.
        let printed = try await CommandRunner.run(Command("mariadb", ["--defaults-extra-file=" + path, "--print-defaults"]))
        #expect(printed.stdout.contains("--password=" + password))
        options.remove()
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
