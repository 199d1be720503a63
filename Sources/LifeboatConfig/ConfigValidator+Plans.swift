import Foundation
import LifeboatCore

// The schedule keys `backups:` and `identity:` share, and `keep:`.
extension ConfigValidator {
    /// A `backups:` section.
    func plan(_ node: ConfigNode, kind: SnapshotKind) -> BackupPlan? {
        guard let fields = mapping(node, keys: BackupPlan.keys) else { return nil }
        return plan(fields, kind: kind)
    }

    /// The plan keys of a section whose keys the caller has checked; `kind` picks the preset's defaults.
    func plan(_ fields: ConfigMapping, kind: SnapshotKind) -> BackupPlan? {
        var ok = true
        var environment: EnvironmentPreset?
        if let node = fields["environment"] {
            environment = choice(node, EnvironmentPreset.self, noun: "environment")
            ok = environment != nil
        }
        // A broken `environment:` has been reported; do not also report what it would have filled in.
        let presetGiven = fields["environment"] != nil

        let schedule = self.schedule(
            fields, ok: &ok, missing: presetGiven ? nil : "give cron or interval (or environment, to use its preset schedule)"
        ) {
            timeZone in
            environment.map { .cron(kind == .state ? $0.defaultBackupCron : $0.defaultIdentityCron, timeZone: timeZone) }
        }

        var max: Int?
        if let node = fields["max"] {
            max = integer(node, in: 1...Int.max)
        } else if let environment {
            max = kind == .state ? environment.defaultBackupMax : environment.defaultIdentityMax
        } else if !presetGiven {
            reportSection(fields, "missing required key \"max\" (how many to keep), or give environment to use its preset")
        }

        let repositories = required(fields, "repositories", " (names from repositories:, e.g. [primary])")
            .flatMap(repositoryReferences)
        var keep: RetentionPolicy?
        if let node = fields["keep"] {
            keep = self.keep(node)
            ok = ok && keep != nil
        }
        var paused = false
        if let node = fields["paused"] {
            if let value = boolean(node) { paused = value } else { ok = false }
        }
        guard ok, let schedule, let max, let repositories else { return nil }
        return BackupPlan(
            schedule: schedule, max: max, environment: environment, repositories: repositories, keep: keep, paused: paused)
    }

    /// `keep:`: calendar rules by ``RetentionRule`` name, each a count of at least 1.
    func keep(_ node: ConfigNode) -> RetentionPolicy? {
        let names = RetentionRule.allCases.map(\.rawValue)
        guard let fields = mapping(node, keys: names) else { return nil }
        var counts: [RetentionRule: Int] = [:]
        var ok = true
        for rule in RetentionRule.allCases {
            guard let countNode = fields[rule.rawValue] else { continue }
            if let count = integer(countNode, in: 1...Int.max) { counts[rule] = count } else { ok = false }
        }
        guard ok else { return nil }
        let policy = RetentionPolicy(
            keepLast: counts[.last], keepHourly: counts[.hourly], keepDaily: counts[.daily],
            keepWeekly: counts[.weekly], keepMonthly: counts[.monthly], keepYearly: counts[.yearly])
        guard !policy.isEmpty else {
            report(node, "give at least one rule (\(names.joined(separator: ", "))) or leave keep out")
            return nil
        }
        return policy
    }

    /// A `drills:` section: cron (with timezone) or interval, and an optional repository,
    /// scratch directory and pause.
    func drill(_ node: ConfigNode) -> DrillPlan? {
        guard let fields = mapping(node, keys: DrillPlan.keys) else { return nil }
        var ok = true
        let schedule = self.schedule(fields, ok: &ok, missing: "give cron or interval: when the drill runs") { _ in nil }
        var repository: String?
        if let repositoryNode = fields["repository"], let name = text(repositoryNode) {
            if let defined = repositoryNames, !defined.contains(name) {
                report(repositoryNode, "no repository named \"\(name)\" (defined: \(defined.joined(separator: ", ")))")
                ok = false
            } else {
                repository = name
            }
        }
        var directory: String?
        if let directoryNode = fields["directory"], let text = pathText(directoryNode) {
            if text.hasPrefix("/") {
                directory = text
            } else {
                report(directoryNode, "\"\(text)\" is not an absolute path; the drills' scratch directory must start with /")
                ok = false
            }
        }
        var postgres: String?
        if let postgresNode = fields["postgres"] {
            postgres = postgresURL(postgresNode)
            if postgres == nil { ok = false }
        }
        var paused = false
        if let pausedNode = fields["paused"] {
            if let value = boolean(pausedNode) { paused = value } else { ok = false }
        }
        guard ok, let schedule else { return nil }
        return DrillPlan(schedule: schedule, repository: repository, directory: directory, postgres: postgres, paused: paused)
    }

    /// The `cron` (read in `timezone`, default UTC) or `interval` of a section. With neither,
    /// `fallback` gives the schedule; when it gives none, `missing` is reported (nil: already said).
    func schedule(
        _ fields: ConfigMapping, ok: inout Bool, missing: String?, fallback: (TimeZone) -> Schedule?
    ) -> Schedule? {
        var timeZone = TimeZone.utc
        let timeZoneNode = fields["timezone"]
        if let timeZoneNode {
            if let identifier = text(timeZoneNode) {
                if let zone = TimeZone(identifier: identifier) {
                    timeZone = zone
                } else {
                    report(timeZoneNode, TimeZone.unknownMessage(identifier))
                    ok = false
                }
            } else {
                ok = false
            }
        }
        switch (fields["cron"], fields["interval"]) {
        case (let cronNode?, nil):
            guard let text = text(cronNode) else { return nil }
            do {
                return .cron(try CronExpression(text), timeZone: timeZone)
            } catch {
                report(cronNode, Self.message(of: error))
                return nil
            }
        case (nil, let intervalNode?):
            if let timeZoneNode {
                report(timeZoneNode, "timezone applies only to cron schedules; an interval counts from the previous run")
                ok = false
            }
            return interval(intervalNode).map(Schedule.interval)
        case (nil, nil):
            if let schedule = fallback(timeZone) { return schedule }
            if let missing { reportSection(fields, missing) }
            return nil
        case (_?, _?):
            report(fields.node, "give cron or interval, not both")
            return nil
        }
    }
}
