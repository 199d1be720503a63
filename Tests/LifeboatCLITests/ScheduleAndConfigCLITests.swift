import Foundation
import LifeboatTestSupport
import Testing

@Suite struct ScheduleAndConfigCLITests {
    let cli = CLI(password: nil)

    /// The fencing flags of `node restore` apply to restoring an identity; `--original` takes a URL.
    @Test func nodeRestoreFencingFlagsAreChecked() async throws {
        let alone = try await cli.run(["node", "restore", "n1", "--i-have-stopped-the-original", "--yes"])
        #expect(alone.status == 64, "\(alone.stderr)")
        #expect(alone.stderr.contains("--i-have-stopped-the-original apply to restoring an identity"), "\(alone.stderr)")
        let ftp = try await cli.run(["node", "restore", "n1", "--identity", "latest", "--identity-file", "/k", "--original", "ftp://x"])
        #expect(ftp.status == 64 && ftp.stderr.contains("--original must be an http:// or https:// URL, not ftp://x"), "\(ftp.stderr)")
    }

    @Test func scheduleNextPrintsTimesWithOffsets() async throws {
        let r = try await cli.run([
            "schedule", "next", "0 */6 * * *", "--count", "3", "--from", "2026-03-28T20:00:00Z", "--tz", "Europe/Amsterdam",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // Amsterdam moves to summer time on 2026-03-29 at 02:00.
        #expect(r.stdout.split(separator: "\n") == ["2026-03-29T00:00:00+01:00", "2026-03-29T06:00:00+02:00", "2026-03-29T12:00:00+02:00"])
        let interval = try await cli.run(["schedule", "next", "1h30m", "--count", "2", "--from", "2026-01-01T00:00:00Z"])
        #expect(interval.stdout.split(separator: "\n") == ["2026-01-01T01:30:00Z", "2026-01-01T03:00:00Z"])
    }

    @Test(arguments: [
        ("0 */6 * *", "has 4 fields; cron needs 5"),
        ("61 * * * *", "61 is out of range 0-59"),
        ("1d", "unknown unit"),
    ])
    func scheduleNextRejectsBadExpressions(expression: String, message: String) async throws {
        let r = try await cli.run(["schedule", "next", expression])
        #expect(r.status == 64)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func scheduleNextRejectsBadZoneAndCount() async throws {
        #expect(try await cli.run(["schedule", "next", "@daily", "--tz", "Mars/Olympus"]).stderr.contains("Mars/Olympus"))
        #expect(try await cli.run(["schedule", "next", "@daily", "--count", "0"]).status == 64)
    }

    @Test func configCheckValidatesTheExampleAndNamesTheLineOfAnError() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/lifeboat.example.yaml").path
        let ok = try await cli.run(["config", "check", example])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("valid"))
        let dir = try TemporaryDirectory(prefix: "lifeboat-config")
        defer { dir.remove() }
        let bad = dir.appending("lifeboat.yaml")
        try """
        repositories:
          primary:
            url: /srv/repo
            password_file: /etc/pass
        nodes:
          - name: n1
            profile: generic
            datadir: /var/lib/n1
            stores:
              - type: sqlite
                path: data.db
            backups:
              cron: "0 */6 * *"
              max: 3
              repositories: [primary]
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try await cli.run(["config", "check", bad])
        #expect(r.status == 64)
        #expect(r.stderr.contains("lifeboat.yaml:13: nodes[0].backups.cron"), "\(r.stderr)")
        #expect(r.stderr.contains("has 4 fields; cron needs 5"))
    }

    /// A valid file whose Nuts node misses a store its release needs, and lists one the
    /// node rebuilds: valid (exit 0), with one warning line each naming node and file.
    @Test func configCheckWarnsAboutANutsStoreListThatLacksOrHasExtra() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-config")
        defer { dir.remove() }
        let file = dir.appending("lifeboat.yaml")
        try """
        repositories:
          primary: {url: /srv/repo, password_file: /etc/pass}
        nodes:
          - name: nuts-1
            profile: nuts
            version: "5.4"
            datadir: /var/lib/nuts
            stores:
              - {type: sqlite, path: network/data.db}
              - {type: sqlite, path: vcr/backup-issued-credentials.db}
              - {type: sqlite, path: vcr/backup-revoked-credentials.db}
              - {type: sqlite, path: vcr/credentials.db}
              - {type: sqlite, path: vdr/didstore.db}
            backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try await cli.run(["config", "check", "--quiet", file])
        #expect(r.status == 0, "\(r.stderr)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.hasPrefix("lifeboat: warning: ") }
        #expect(warnings.count == 2, "\(r.stderr)")
        #expect(warnings.contains { $0.contains("nuts-1") && $0.contains("vcr/backup-credentials.db") && $0.contains("Nuts 5.4") })
        #expect(warnings.contains { $0.contains("vcr/credentials.db") && $0.contains("need not be backed up") })
    }

    /// A Nuts 6 node without its SQL database (Nuts 6 storage docs: `sqlite.db` in the datadir
    /// by default, or the server `storage.sql.connection` names): valid, with one warning; a
    /// `mysql` store covers it, and a Go-driver DSN with a password is refused without echoing it.
    @Test func configCheckWarnsAboutANuts6NodeWithoutItsSQLDatabase() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-config")
        defer { dir.remove() }
        let file = dir.appending("lifeboat.yaml")
        func check(_ stores: String) async throws -> CLI.Result {
            try """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/pass}
            nodes:
              - name: nuts-6
                profile: nuts6
                version: "6.2"
                datadir: /var/lib/nuts
                stores: [\(stores)]
                backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
            """.write(toFile: file, atomically: true, encoding: .utf8)
            return try await cli.run(["config", "check", "--quiet", file])
        }
        let lacking = try await check("{type: file, path: vcr/trusted_issuers.yaml}")
        #expect(lacking.status == 0, "\(lacking.stderr)")
        let warnings = lacking.stderr.split(separator: "\n").filter { $0.hasPrefix("lifeboat: warning: ") }
        #expect(warnings.count == 1 && warnings[0].contains("nuts-6") && warnings[0].contains("sqlite.db"), "\(lacking.stderr)")
        #expect(warnings.first?.contains("Nuts 6.2") == true)
        let covered = try await check("{type: mysql, url: \"mysql://nuts@db:3306/nuts\"}, {type: file, path: vcr/trusted_issuers.yaml}")
        #expect(covered.status == 0 && !covered.stderr.contains("warning"), "\(covered.stderr)")
        let dsn = try await check("{type: mysql, url: \"mysql://nuts:hunter2@tcp(db:3306)/nuts\"}")
        #expect(dsn.status == 64 && dsn.stderr.contains("Go driver's DSN") && !dsn.stderr.contains("hunter2"), "\(dsn.stderr)")
    }

    /// A BBolt file listed as a plain store is refused, pointing to the shelf; the same
    /// datadir listed through a shelf, or a real SQLite file, passes.
    @Test func configCheckRefusesABBoltFileListedAsAPlainStore() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-config")
        defer { dir.remove() }
        let datadir = dir.appending("nuts")
        try FileManager.default.createDirectory(atPath: datadir + "/network", withIntermediateDirectories: true)
        // BBolt page 0: the page header (id u64, flags u16 = 0x04 meta, count u16, overflow u32),
        // then the meta: magic 0xED0CDAED, version 2, page size 4096 (little endian).
        var page = [UInt8](repeating: 0, count: 4096)
        page[8] = 0x04
        page.replaceSubrange(16..<28, with: [0xED, 0xDA, 0x0C, 0xED, 2, 0, 0, 0, 0x00, 0x10, 0, 0])
        try Data(page + page).write(to: URL(fileURLWithPath: datadir + "/network/data.db"))
        try Data("SQLite format 3\0".utf8 + [UInt8](repeating: 0, count: 100)).write(to: URL(fileURLWithPath: datadir + "/other.db"))
        func check(_ stores: String) async throws -> CLI.Result {
            let file = dir.appending("lifeboat.yaml")
            try """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/pass}
            nodes:
              - name: nuts-1
                datadir: \(datadir)
                stores: [\(stores)]
                backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
            """.write(toFile: file, atomically: true, encoding: .utf8)
            return try await cli.run(["config", "check", "--quiet", file])
        }
        for type in ["sqlite", "file"] {
            let refused = try await check("{type: \(type), path: network/data.db}")
            #expect(refused.status == 64, "\(refused.stderr)")
            #expect(
                refused.stderr.contains("network/data.db") && refused.stderr.contains("BBolt")
                    && refused.stderr.contains("{type: shelf"), "\(refused.stderr)")
        }
        let shelf = try await check("{type: shelf, directory: \(dir.appending("shelf"))}, {type: sqlite, path: other.db}")
        #expect(shelf.status == 0, "\(shelf.stderr)")
    }

    /// The same refusal for the files a node in BBolt form really writes: the demo node's
    /// `--store-format bbolt` stores, listed as `sqlite`, and accepted through its shelf.
    @Test func configCheckRefusesDemoNodeBBoltStoresListedAsSQLite() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-config")
        defer { dir.remove() }
        let datadir = dir.appending("nuts")
        let node = try DemoNodeProcess.start(
            datadir: datadir,
            arguments: ["--store-format", "bbolt", "--nuts-version", "5.3", "--seed-transactions", "8", "--write-interval", "0"])
        defer { node.kill() }
        #expect(node.terminate() == 0)
        func check(_ stores: String) async throws -> CLI.Result {
            let file = dir.appending("lifeboat.yaml")
            try """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/pass}
            nodes:
              - name: nuts-1
                profile: nuts
                version: "5.3"
                datadir: \(datadir)
                stores: [\(stores)]
                backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
            """.write(toFile: file, atomically: true, encoding: .utf8)
            return try await cli.run(["config", "check", "--quiet", file])
        }
        for store in ["network/data.db", "vdr/didstore.db", "vcr/backup-issued-credentials.db"] {
            let refused = try await check("{type: sqlite, path: \(store)}, {type: file, path: vcr/trusted_issuers.yaml}")
            #expect(refused.status == 64, "\(refused.stderr)")
            #expect(
                refused.stderr.contains(store) && refused.stderr.contains("is a BBolt file") && refused.stderr.contains("{type: shelf"),
                "\(refused.stderr)")
        }
        let shelf = try await check("{type: shelf, directory: \(dir.appending("shelf"))}, {type: file, path: vcr/trusted_issuers.yaml}")
        #expect(shelf.status == 0, "\(shelf.stderr)")
    }
}
