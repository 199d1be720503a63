import Foundation
import LifeboatConfig
import LifeboatCore
import Testing

/// The schedule keys of `backups:` and `identity:`: cron xor interval, time zone, max, presets, keep.
@Suite struct ConfigScheduleTests {
    /// A node whose `backups:` body is `body` (indented lines) and whose identity uses the same body plus source and recipients.
    static func yaml(backups body: String, identity identityBody: String? = nil) -> String {
        var text = """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/pass}
            nodes:
              - name: n1
                stores: [{type: sqlite, path: /data.db}]
                backups:
            \(body)
                  repositories: [primary]
            """
        if let identityBody {
            text += """

                    identity:
                \(identityBody)
                      repositories: [primary]
                      source: {type: fs, directory: /keys}
                      recipients: [\(recipient)]
                """
        }
        return text
    }

    @Test func cronWithTimeZone() throws {
        let configuration = try parse(Self.yaml(backups: "      cron: \"30 2 * * *\"\n      timezone: Europe/Amsterdam\n      max: 4"))
        let plan = try #require(configuration.nodes.first?.backups)
        let zone = try #require(TimeZone(identifier: "Europe/Amsterdam"))
        #expect(plan.schedule == .cron(try CronExpression("30 2 * * *"), timeZone: zone))
        #expect(plan.max == 4)
        #expect(plan.environment == nil)
        #expect(plan.paused == false)
        #expect(plan.keep == nil)
    }

    @Test func cronDefaultsToUTC() throws {
        let configuration = try parse(Self.yaml(backups: "      cron: \"@daily\"\n      max: 4"))
        let plan = try #require(configuration.nodes.first?.backups)
        guard case .cron(_, let zone) = plan.schedule else {
            Issue.record("expected a cron schedule")
            return
        }
        #expect(zone.secondsFromGMT(for: Date(timeIntervalSince1970: 1_750_000_000)) == 0)
        #expect(zone.secondsFromGMT(for: Date(timeIntervalSince1970: 1_735_000_000)) == 0)
    }

    @Test func interval() throws {
        let configuration = try parse(Self.yaml(backups: "      interval: 1h30m\n      max: 4\n      paused: true"))
        let plan = try #require(configuration.nodes.first?.backups)
        #expect(plan.schedule == .interval(try Interval("1h30m")))
        #expect(plan.paused)
    }

    @Test(arguments: EnvironmentPreset.allCases)
    func presetFillsCronAndMax(preset: EnvironmentPreset) throws {
        let body = "      environment: \(preset.rawValue)"
        let configuration = try parse(Self.yaml(backups: body, identity: body))
        let node = try #require(configuration.nodes.first)
        let backups = try #require(node.backups)
        let identity = try #require(node.identity)
        #expect(backups.schedule == .cron(preset.defaultBackupCron, timeZone: try #require(TimeZone(identifier: "UTC"))))
        #expect(backups.max == preset.defaultBackupMax)
        #expect(backups.environment == preset)
        #expect(identity.plan.schedule == .cron(preset.defaultIdentityCron, timeZone: try #require(TimeZone(identifier: "UTC"))))
        #expect(identity.plan.max == preset.defaultIdentityMax)
    }

    @Test func productionPresetValues() throws {
        let body = "      environment: production"
        let node = try #require(try parse(Self.yaml(backups: body, identity: body)).nodes.first)
        #expect(node.backups?.schedule.humanDescription.hasPrefix("every 6 hours, at minute 0") == true)
        #expect(node.backups?.max == 7)
        #expect(node.identity?.plan.max == 14)
    }

    @Test func explicitValuesWinOverThePreset() throws {
        let configuration = try parse(
            Self.yaml(
                backups: "      environment: production\n      interval: 2h\n      max: 30",
                identity: "      environment: staging\n      timezone: Asia/Tokyo"))
        let node = try #require(configuration.nodes.first)
        #expect(node.backups?.schedule == .interval(try Interval("2h")))
        #expect(node.backups?.max == 30)
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        #expect(node.identity?.plan.schedule == .cron(EnvironmentPreset.staging.defaultIdentityCron, timeZone: tokyo))
        #expect(node.identity?.plan.max == EnvironmentPreset.staging.defaultIdentityMax)
    }

    @Test func cronAndIntervalTogether() {
        let yaml = Self.yaml(backups: "      cron: \"@daily\"\n      interval: 24h\n      max: 3")
        #expect(failure(yaml) == "lifeboat.yaml:6: nodes[0].backups: give cron or interval, not both")
    }

    @Test func neitherCronNorInterval() {
        #expect(
            failure(Self.yaml(backups: "      max: 3"))
                == "lifeboat.yaml:6: nodes[0].backups: give cron or interval (or environment, to use its preset schedule)")
    }

    @Test func maxMissingWithoutPreset() {
        #expect(
            failure(Self.yaml(backups: "      interval: 6h"))
                == #"lifeboat.yaml:6: nodes[0].backups: missing required key "max" (how many to keep), or give environment to use its preset"#
        )
    }

    @Test func unknownPresetIsTheOnlyProblem() {
        #expect(
            failure(Self.yaml(backups: "      environment: prod"))
                == #"lifeboat.yaml:7: nodes[0].backups.environment: "prod" is not an environment (expected one of: development, staging, production)"#
        )
    }

    @Test func unknownTimeZone() {
        let yaml = Self.yaml(backups: "      cron: \"@daily\"\n      timezone: Europe/Amsterdan\n      max: 3")
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:8: nodes[0].backups.timezone: unknown time zone "Europe/Amsterdan" (use an IANA name such as Europe/Amsterdam or UTC)"#
        )
    }

    @Test func timeZoneWithInterval() {
        let yaml = Self.yaml(backups: "      interval: 6h\n      timezone: UTC\n      max: 3")
        #expect(
            failure(yaml)
                == "lifeboat.yaml:8: nodes[0].backups.timezone: timezone applies only to cron schedules; an interval counts from the previous run"
        )
    }

    @Test func cronFieldOutOfRangeUsesCronsMessage() throws {
        let message = try #require(failure(Self.yaml(backups: "      cron: \"0 25 * * *\"\n      max: 3")))
        let cronMessage = try #require(Self.cronError("0 25 * * *"))
        #expect(message == "lifeboat.yaml:7: nodes[0].backups.cron: \(cronMessage)")
    }

    static func cronError(_ text: String) -> String? {
        do {
            _ = try CronExpression(text)
            return nil
        } catch {
            return (error as? LifeboatError)?.message
        }
    }

    @Test func keepRules() throws {
        let configuration = try parse(
            Self.yaml(backups: "      interval: 6h\n      max: 10\n      keep: {last: 2, daily: 7, weekly: 4, yearly: 1}"))
        #expect(
            configuration.nodes.first?.backups?.keep
                == RetentionPolicy(keepLast: 2, keepDaily: 7, keepWeekly: 4, keepYearly: 1))
    }

    @Test func keepNeedsARule() {
        #expect(
            failure(Self.yaml(backups: "      interval: 6h\n      max: 10\n      keep: {}"))
                == "lifeboat.yaml:9: nodes[0].backups.keep: give at least one rule (last, hourly, daily, weekly, monthly, yearly) or leave keep out"
        )
    }

    @Test func keepCountsAreAtLeastOne() {
        #expect(
            failure(Self.yaml(backups: "      interval: 6h\n      max: 10\n      keep: {daily: 0}"))
                == "lifeboat.yaml:9: nodes[0].backups.keep.daily: 0 is out of range; use at least 1")
    }

    @Test func repositoriesAreRequiredAndNonEmpty() {
        let missing = Self.yaml(backups: "      interval: 6h\n      max: 3").replacingOccurrences(
            of: "      repositories: [primary]", with: "")
        #expect(
            failure(missing)
                == #"lifeboat.yaml:6: nodes[0].backups: missing required key "repositories" (names from repositories:, e.g. [primary])"#)
        let empty = Self.yaml(backups: "      interval: 6h\n      max: 3").replacingOccurrences(of: "[primary]", with: "[]")
        #expect(failure(empty) == "lifeboat.yaml:9: nodes[0].backups.repositories: name at least one repository")
    }

    @Test func repositoryListedTwice() {
        let yaml = Self.yaml(backups: "      interval: 6h\n      max: 3").replacingOccurrences(
            of: "[primary]", with: "[primary, primary]")
        #expect(
            failure(yaml) == #"lifeboat.yaml:9: nodes[0].backups.repositories[1]: repository "primary" is used twice (also line 9)"#)
    }
}
