import Foundation
import LifeboatConfig
import LifeboatCore
import Testing

/// The sample file in docs/ loads, and its model, `Codable` form and summary say what it says.
@Suite struct ConfigExampleTests {
    /// docs/lifeboat.example.yaml, found from this file's real location (the test directory may be a symlink).
    static var examplePath: String {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/lifeboat.example.yaml").path
    }

    static func example() throws -> LifeboatConfiguration {
        try LifeboatConfiguration.load(path: examplePath, environment: [:])
    }

    @Test func topLevel() throws {
        let configuration = try Self.example()
        #expect(configuration.listen == ListenAddress(host: "127.0.0.1", port: 8480))
        #expect(configuration.catalog == "/var/lib/lifeboat/catalog.sqlite")
        #expect(
            configuration.repositories == [
                RepositoryConfiguration(
                    name: "primary", url: "/srv/lifeboat/repo", kind: .directory,
                    credential: .passwordFile("/etc/lifeboat/repo.pass")),
                RepositoryConfiguration(
                    name: "offsite", url: "s3:http://127.0.0.1:9000/backups/lifeboat", kind: .s3,
                    credential: .passwordEnvironment("LIFEBOAT_OFFSITE_PASSWORD"), region: "eu-west-1"),
            ])
        #expect(
            configuration.api.tokens == [
                APIToken(name: "ops", role: .operator, sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
            ])
        #expect(
            configuration.jobs
                == JobsConfiguration(
                    maxParallel: 2, runMissedAtStart: true, shutdownGrace: try Interval("30s"), pruneEvery: try Interval("24h")))
    }

    @Test func nutsNode() throws {
        let node = try #require(try Self.example().node(named: "nuts-1"))
        #expect(node.profile == .nuts)
        #expect(node.datadir == "/var/lib/nuts")
        #expect(
            node.stores == [
                .sqlite(path: "network/data.db"), .sqlite(path: "vdr/didstore.db"), .file(path: "vcr/trusted_issuers.yaml"),
                .shelf(directory: "/var/lib/nuts-backups"),
            ])
        let amsterdam = try #require(TimeZone(identifier: "Europe/Amsterdam"))
        #expect(
            node.backups
                == BackupPlan(
                    schedule: .cron(try CronExpression("0 */6 * * *"), timeZone: amsterdam), max: 7,
                    repositories: ["primary", "offsite"], keep: RetentionPolicy(keepDaily: 7, keepWeekly: 4)))
        #expect(
            node.identity
                == IdentityConfiguration(
                    plan: BackupPlan(schedule: .interval(try Interval("24h")), max: 14, repositories: ["primary"]),
                    source: .filesystem(directory: "crypto"), recipients: [recipient]))
    }

    @Test func cantonNode() throws {
        let node = try #require(try Self.example().node(named: "validator-1"))
        #expect(node.profile == .canton)
        #expect(node.datadir == nil)
        guard case .postgres(let store) = node.stores.first else {
            Issue.record("expected a postgres store")
            return
        }
        #expect(store.databases.map(\.name) == ["validator", "participant"])
        #expect(store.order == .sequential)
        #expect(node.backups?.environment == .production)
        #expect(node.backups?.max == EnvironmentPreset.production.defaultBackupMax)
        #expect(node.identity?.plan.max == EnvironmentPreset.production.defaultIdentityMax)
        guard case .canton(let source) = node.identity?.source, case .oauth(let client) = source.authentication else {
            Issue.record("expected a Canton source with OAuth")
            return
        }
        #expect(client.audience == "https://validator.example")
        #expect(client.clientSecretFile == "/etc/lifeboat/oauth.secret")
    }

    @Test func codableRoundTrip() throws {
        let configuration = try Self.example()
        let json = try JSONEncoder().encode(configuration)
        let decoded = try JSONDecoder().decode(LifeboatConfiguration.self, from: json)
        #expect(decoded == configuration)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""max_parallel":2"#))
        #expect(text.contains(#""password_env":"LIFEBOAT_OFFSITE_PASSWORD""#))
        #expect(text.contains(#""type":"postgres""#))
    }

    @Test func summary() throws {
        // 2027-01-15T08:00:00Z, a Friday: 09:00 in Amsterdam.
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let summary = try Self.example().summary(now: now)
        let lines = summary.split(separator: "\n").map(String.init)
        #expect(lines.first == "listen 127.0.0.1:8480; catalog /var/lib/lifeboat/catalog.sqlite")
        #expect(
            lines.contains(
                "  state backups: every 6 hours, at minute 0 (Europe/Amsterdam); keep 7 plus daily 7, weekly 4; to primary, offsite"))
        #expect(lines.contains("    next run 2027-01-15T12:00:00+01:00"))
        #expect(lines.contains("  identity dumps: every 24h; keep 14; to primary"))
        #expect(lines.contains("    next run 2027-01-16T08:00:00Z"))
        #expect(lines.contains("  stores: postgres validator then participant"))
        #expect(
            lines.contains(
                "  offsite: s3:http://127.0.0.1:9000/backups/lifeboat (S3, region eu-west-1, password from $LIFEBOAT_OFFSITE_PASSWORD)"))
        #expect(lines.contains("api tokens: ops (operator)"))
    }

    @Test func summaryFlagsAMissingIdentityAndPausedPlans() throws {
        let yaml = minimal(replacingLine: 13, with: "      max: 3\n      paused: true")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let summary = try parse(yaml).summary(now: now)
        let utc = try #require(TimeZone(identifier: "UTC"))
        let next = try #require(try CronExpression("0 * * * *").next(after: now, in: utc))
        #expect(summary.contains("    paused; next run would be \(ISO8601.format(next, in: utc))"))
        #expect(summary.contains("  identity dumps: none; a full restore also needs the node's keys"))
        #expect(summary.contains("api tokens: none; the API accepts no requests"))
    }

    @Test func summaryOfACronThatNeverMatches() throws {
        let yaml = minimal(replacingLine: 12, with: "      cron: \"0 0 30 2 *\"")
        #expect(try parse(yaml).summary(now: Date(timeIntervalSince1970: 0)).contains("    never: the cron expression matches no date"))
    }
}

/// `load(path:environment:)` reads files and anchors relative paths at the file's directory.
@Suite struct ConfigLoadTests {
    @Test func relativePathsAndDefaultCatalogFollowTheFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("lifeboat.yaml")
        try minimal(replacingLine: 4, with: "    password_file: secrets/repo.pass")
            .replacingOccurrences(of: "url: /srv/repo", with: "url: ./repo")
            .write(to: file, atomically: true, encoding: .utf8)
        let configuration = try LifeboatConfiguration.load(path: file.path, environment: [:])
        let base = directory.path
        #expect(configuration.catalog == "\(base)/lifeboat-catalog.sqlite")
        #expect(configuration.repositories.first?.url == "\(base)/repo")
        #expect(configuration.repositories.first?.credential == .passwordFile("\(base)/secrets/repo.pass"))
    }

    @Test func notUTF8() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("lifeboat.yaml")
        try Data([0x6C, 0x69, 0x73, 0x74, 0x65, 0x6E, 0x3A, 0x20, 0xFF, 0xFE]).write(to: file)
        #expect {
            try LifeboatConfiguration.load(path: file.path, environment: [:])
        } throws: { error in
            (error as? LifeboatError)?.message == "\(file.path): not UTF-8 text; save the configuration as UTF-8"
        }
    }
}
