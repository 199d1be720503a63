import Foundation
import LifeboatConfig
import LifeboatCore
import Testing

/// The `drills:` section of a node: when, from which repository, where the scratch copy goes,
/// and the scratch PostgreSQL server; each mistake named with its line.
@Suite struct ConfigDrillTests {
    static func withDrills(_ drills: String) -> String {
        minimalYAML + "\n    drills:\n" + drills.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
    }

    @Test func aDrillsSectionIsRead() throws {
        let config = try parse(
            Self.withDrills(
                "cron: \"30 3 * * 0\"\ntimezone: Europe/Amsterdam\nrepository: primary\ndirectory: /var/tmp/drills\npostgres: postgres://drill@127.0.0.1:5433/postgres"
            ))
        let plan = try #require(config.nodes.first?.drills)
        guard case .cron(let expression, let zone) = plan.schedule else {
            Issue.record("expected a cron schedule, got \(plan.schedule)")
            return
        }
        #expect(expression.description == "30 3 * * 0" && zone.identifier == "Europe/Amsterdam")
        #expect(plan.repository == "primary" && plan.directory == "/var/tmp/drills" && !plan.paused)
        #expect(plan.postgres == "postgres://drill@127.0.0.1:5433/postgres")

        let interval = try #require(try parse(Self.withDrills("interval: 12h\npaused: true")).nodes.first?.drills)
        #expect(interval.schedule == .interval(try Interval("12h")) && interval.paused)
        #expect(interval.repository == nil && interval.directory == nil && interval.postgres == nil)
        #expect(try parse(minimalYAML).nodes.first?.drills == nil)
    }

    @Test(arguments: [
        ("interval: 1h\ncron: \"0 * * * *\"", "lifeboat.yaml:15: nodes[0].drills: give cron or interval, not both"),
        ("repository: primary", "lifeboat.yaml:15: nodes[0].drills: give cron or interval: when the drill runs"),
        (
            "interval: 1h\nrepository: offsite",
            #"lifeboat.yaml:17: nodes[0].drills.repository: no repository named "offsite" (defined: primary)"#
        ),
        (
            "interval: 1h\ndirectory: scratch",
            #"lifeboat.yaml:17: nodes[0].drills.directory: "scratch" is not an absolute path; the drills' scratch directory must start with /"#
        ),
        (
            "interval: 1h\npostgres: postgres://drill:hunter2@127.0.0.1/postgres",
            "lifeboat.yaml:17: nodes[0].drills.postgres: the URL contains a password; put the password in a file instead (password_file, or ~/.pgpass for PostgreSQL)"
        ),
        (
            "interval: 1h\ntimezone: Europe/Amsterdam",
            "lifeboat.yaml:17: nodes[0].drills.timezone: timezone applies only to cron schedules; an interval counts from the previous run"
        ),
        (
            "interval: 1h\nscratch: /tmp",
            #"lifeboat.yaml:17: nodes[0].drills: unknown key "scratch" (expected one of: cron, interval, timezone, repository, directory, postgres, paused)"#
        ),
    ])
    func aWrongDrillsValueIsNamed(drills: String, message: String) throws {
        let text = try #require(failure(Self.withDrills(drills)))
        #expect(text == message)
        #expect(!text.contains("hunter2"))
    }

    @Test func drillsNeedTheNodesStateBackups() throws {
        let yaml = """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/lifeboat/repo.pass}
            nodes:
              - name: keys
                identity:
                  source: {type: fs, directory: /var/lib/keys}
                  recipients: [\(recipient)]
                  interval: 1h
                  max: 3
                  repositories: [primary]
                drills: {interval: 24h}
            """
        #expect(
            failure(yaml) == "lifeboat.yaml:11: nodes[0].drills: drills restore the node's state backups; this node has no backups schedule"
        )
    }
}
