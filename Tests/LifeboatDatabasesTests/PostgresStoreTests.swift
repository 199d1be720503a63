import Foundation
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository
import LifeboatTestSupport
import Testing

/// PostgreSQL backup and restore against a real cluster (initdb + postgres on a loopback port).
@Suite struct PostgresStoreTests {
    static let schema = """
        CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(20,2));
        INSERT INTO accounts SELECT g, 'party-' || g, g * 1.5 FROM generate_series(1, 5000) g;
        CREATE TABLE events (id bigserial PRIMARY KEY, payload bytea);
        INSERT INTO events (payload) SELECT decode(md5(g::text), 'hex') FROM generate_series(1, 300) g;
        """

    static let fingerprint = "SELECT count(*), sum(balance), md5(string_agg(owner, ',' ORDER BY id)) FROM accounts;"

    @Test func databasesAreDumpedInOrderAndRestoredCleanOrIntoNewDatabases() async throws {
        let f = try await Fixture(prefix: "lifeboat-pg")
        defer { f.dir.remove() }
        let pg = try PostgresServer(directory: try f.directory("pg"))
        try await pg.start()
        _ = try await pg.sql("postgres", "CREATE DATABASE validator; CREATE DATABASE participant;")
        _ = try await pg.sql("validator", Self.schema)
        _ = try await pg.sql(
            "participant",
            "CREATE TABLE contracts (id int, body text); INSERT INTO contracts SELECT g, repeat('x', g % 50) FROM generate_series(1, 1234) g;"
        )
        let before = try await pg.sql("validator", Self.fingerprint)
        let client = PostgresStoreClient(databases: [
            pg.connection("validator", tables: ["accounts", "public.events"]), pg.connection("participant", tables: ["contracts"]),
        ])
        var options = BackupOptions()
        options.node = "canton-validator"
        options.streams = try await client.backupEntries()
        let backup = try await f.repo.backup(paths: [], options: options)
        #expect(backup.snapshot.streams == ["postgres/validator.dump", "postgres/participant.dump", "postgres/postgres.json"])
        let record = try await f.repo.loadSnapshot(backup.id)
        let manifest = try await client.manifest(from: f.repo, snapshot: record)
        #expect(manifest.databases.map(\.name) == ["validator", "participant"])
        #expect(manifest.databases[0].rowCounts == ["accounts": 5000, "public.events": 300])
        #expect(manifest.databases[1].rowCounts == ["contracts": 1234])
        // The same entries back up again (the daemon writes one backup per repository).
        let second = try await f.repo.backup(paths: [], options: options)
        let secondManifest = try await client.manifest(from: f.repo, snapshot: try await f.repo.loadSnapshot(second.id))
        #expect(secondManifest.databases.map(\.rowCounts) == manifest.databases.map(\.rowCounts))
        // The dump is a pg_dump custom archive.
        let dump = try await f.repo.readSmallFile(record, path: "postgres/validator.dump")
        #expect(dump.starts(with: Array("PGDMP".utf8)))

        // Damage the databases, then restore over them.
        _ = try await pg.sql("validator", "DELETE FROM accounts WHERE id % 3 = 0; DROP TABLE events; CREATE TABLE stray (x int);")
        _ = try await pg.sql("participant", "TRUNCATE contracts;")
        let reports = try await client.restore(from: f.repo, snapshot: record)
        #expect(reports.map(\.name) == ["validator", "participant"])
        #expect(reports[0].rowCounts == ["accounts": 5000, "public.events": 300])
        #expect(try await pg.sql("validator", Self.fingerprint) == before)
        #expect(
            try await pg.sql("participant", "SELECT count(*) FROM contracts;").trimmingCharacters(in: .whitespacesAndNewlines) == "1234")

        // Into new databases on the same server.
        let fresh = try await client.restore(
            from: f.repo, snapshot: record, newDatabases: ["validator": "validator_restored", "participant": "participant_restored"])
        #expect(fresh[0].url.hasSuffix("/validator_restored"))
        #expect(try await pg.sql("validator_restored", Self.fingerprint) == before)
        #expect(
            try await pg.sql("participant_restored", "SELECT sum(length(body)) FROM contracts;")
                == (try await pg.sql("participant", "SELECT sum(length(body)) FROM contracts;")))
        let again = await #expect(throws: LifeboatError.self) {
            try await client.restore(from: f.repo, snapshot: record, newDatabases: ["validator": "validator_restored"])
        }
        #expect(again?.code == .alreadyExists)
        await pg.stop()
    }

    @Test func wrongPasswordUnreachableServerAndMissingDatabaseGiveClearErrors() async throws {
        let f = try await Fixture(prefix: "lifeboat-pg")
        defer { f.dir.remove() }
        let pg = try PostgresServer(directory: try f.directory("pg"))
        try await pg.start()
        let wrong = f.dir.appending("wrong.pass")
        try "hunter2-wrong\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        var connection = pg.connection("postgres")
        connection.passwordFile = wrong
        let refused = await #expect(throws: LifeboatError.self) { try await PostgresStoreClient(databases: [connection]).backupEntries() }
        #expect(refused?.message.contains("refused the password") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("hunter2") == false)

        let missing = await #expect(throws: LifeboatError.self) {
            try await PostgresStoreClient(databases: [pg.connection("nosuchdb")]).backupEntries()
        }
        #expect(missing?.code == .notFound, "\(missing?.message ?? "")")

        // A dump that fails mid-backup (a table the dump user may not read) leaves no snapshot.
        _ = try await pg.sql(
            "postgres",
            "CREATE ROLE reader LOGIN PASSWORD 'reader-pass'; CREATE TABLE secret_t (x int); REVOKE ALL ON secret_t FROM PUBLIC;")
        let readerPass = f.dir.appending("reader.pass")
        try "reader-pass\n".write(toFile: readerPass, atomically: true, encoding: .utf8)
        let reader = PostgresConnection(name: "postgres", url: "postgres://reader@127.0.0.1:\(pg.port)/postgres", passwordFile: readerPass)
        var options = BackupOptions()
        options.streams = try await PostgresStoreClient(databases: [reader]).backupEntries()
        let denied = await #expect(throws: LifeboatError.self) { try await f.repo.backup(paths: [], options: options) }
        #expect(denied?.message.contains("permission denied") == true, "\(denied?.message ?? "")")
        #expect(try await f.repo.snapshots().isEmpty)
        await pg.stop()

        let unreachable = await #expect(throws: LifeboatError.self) {
            try await PostgresStoreClient(databases: [pg.connection("postgres")]).backupEntries()
        }
        #expect(unreachable?.message.contains("cannot reach PostgreSQL") == true, "\(unreachable?.message ?? "")")
    }
}
