import Foundation
import LifeboatTestSupport
import Testing

@Suite struct ScheduleAndConfigCLITests {
    let cli = CLI(password: nil)

    @Test func scheduleNextPrintsTimesWithOffsets() throws {
        let r = try cli.run([
            "schedule", "next", "0 */6 * * *", "--count", "3", "--from", "2026-03-28T20:00:00Z", "--tz", "Europe/Amsterdam",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // Amsterdam moves to summer time on 2026-03-29 at 02:00.
        #expect(r.stdout.split(separator: "\n") == ["2026-03-29T00:00:00+01:00", "2026-03-29T06:00:00+02:00", "2026-03-29T12:00:00+02:00"])
        let interval = try cli.run(["schedule", "next", "1h30m", "--count", "2", "--from", "2026-01-01T00:00:00Z"])
        #expect(interval.stdout.split(separator: "\n") == ["2026-01-01T01:30:00Z", "2026-01-01T03:00:00Z"])
    }

    @Test(arguments: [
        ("0 */6 * *", "has 4 fields; cron needs 5"),
        ("61 * * * *", "61 is out of range 0-59"),
        ("1d", "unknown unit"),
    ])
    func scheduleNextRejectsBadExpressions(expression: String, message: String) throws {
        let r = try cli.run(["schedule", "next", expression])
        #expect(r.status == 64)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func scheduleNextRejectsBadZoneAndCount() throws {
        #expect(try cli.run(["schedule", "next", "@daily", "--tz", "Mars/Olympus"]).stderr.contains("Mars/Olympus"))
        #expect(try cli.run(["schedule", "next", "@daily", "--count", "0"]).status == 64)
    }

    @Test func configCheckValidatesTheExampleAndNamesTheLineOfAnError() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/lifeboat.example.yaml").path
        let ok = try cli.run(["config", "check", example])
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
        let r = try cli.run(["config", "check", bad])
        #expect(r.status == 64)
        #expect(r.stderr.contains("lifeboat.yaml:13: nodes[0].backups.cron"), "\(r.stderr)")
        #expect(r.stderr.contains("has 4 fields; cron needs 5"))
    }

    /// A valid file whose Nuts node misses a store its release needs, and lists one the
    /// node rebuilds: valid (exit 0), with one warning line each naming node and file.
    @Test func configCheckWarnsAboutANutsStoreListThatLacksOrHasExtra() throws {
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
        let r = try cli.run(["config", "check", "--quiet", file])
        #expect(r.status == 0, "\(r.stderr)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.hasPrefix("lifeboat: warning: ") }
        #expect(warnings.count == 2, "\(r.stderr)")
        #expect(warnings.contains { $0.contains("nuts-1") && $0.contains("vcr/backup-credentials.db") && $0.contains("Nuts 5.4") })
        #expect(warnings.contains { $0.contains("vcr/credentials.db") && $0.contains("need not be backed up") })
    }
}
