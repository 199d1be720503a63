import Foundation
import LifeboatCore

/// When one kind of backup runs, how many are kept and where they go: the keys a `backups:` or `identity:` section shares.
///
/// ```yaml
/// backups:
///   cron: "0 */6 * * *"
///   timezone: Europe/Amsterdam
///   max: 7
///   repositories: [primary, offsite]
///   keep: {daily: 7, weekly: 4}
/// ```
///
/// With `environment:` a missing cron (when there is no interval either) and
/// a missing `max` come from the ``EnvironmentPreset``; ``schedule`` and
/// ``max`` always hold the values in force.
public struct BackupPlan: Sendable, Hashable {
    /// When the job runs: a cron expression in a time zone (default UTC) or an interval.
    public var schedule: Schedule
    /// The Max Backup (or Dump) Number: older backups beyond it are deleted, at least 1.
    public var max: Int
    /// The preset that filled missing values, if one was named.
    public var environment: EnvironmentPreset?
    /// Names of the repositories each backup is written to, at least one.
    public var repositories: [String]
    /// Calendar retention applied on top of ``max``, if given.
    public var keep: RetentionPolicy?
    /// Whether scheduled runs are suspended (manual runs still work).
    public var paused: Bool

    /// Creates a plan; the configuration loader checks the values.
    public init(
        schedule: Schedule, max: Int, environment: EnvironmentPreset? = nil, repositories: [String],
        keep: RetentionPolicy? = nil, paused: Bool = false
    ) {
        self.schedule = schedule
        self.max = max
        self.environment = environment
        self.repositories = repositories
        self.keep = keep
        self.paused = paused
    }

    /// The keys a plan reads, in the order messages list them.
    static let keys = ["cron", "interval", "timezone", "max", "environment", "repositories", "keep", "paused"]
}

extension BackupPlan: Codable {
    private enum CodingKeys: String, CodingKey {
        case cron, interval, timezone, max, environment, repositories, keep, paused
    }

    /// Decodes the YAML keys: `cron` with `timezone` (default UTC) or `interval`, and the rest.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let cron = try container.decodeIfPresent(CronExpression.self, forKey: .cron) {
            let identifier = try container.decodeIfPresent(String.self, forKey: .timezone) ?? "UTC"
            guard let timeZone = TimeZone(identifier: identifier) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .timezone, in: container, debugDescription: TimeZone.unknownMessage(identifier))
            }
            schedule = .cron(cron, timeZone: timeZone)
        } else {
            schedule = .interval(try container.decode(Interval.self, forKey: .interval))
        }
        max = try container.decode(Int.self, forKey: .max)
        environment = try container.decodeIfPresent(EnvironmentPreset.self, forKey: .environment)
        repositories = try container.decode([String].self, forKey: .repositories)
        keep = try container.decodeIfPresent(KeepRules.self, forKey: .keep)?.policy
        paused = try container.decodeIfPresent(Bool.self, forKey: .paused) ?? false
    }

    /// Encodes the keys ``init(from:)`` reads, with the schedule in force written out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch schedule {
        case .cron(let expression, let timeZone):
            try container.encode(expression, forKey: .cron)
            try container.encode(timeZone.identifier, forKey: .timezone)
        case .interval(let interval):
            try container.encode(interval, forKey: .interval)
        }
        try container.encode(max, forKey: .max)
        try container.encodeIfPresent(environment, forKey: .environment)
        try container.encode(repositories, forKey: .repositories)
        try container.encodeIfPresent(keep.map(KeepRules.init(policy:)), forKey: .keep)
        try container.encode(paused, forKey: .paused)
    }
}

/// The `keep:` mapping, whose keys are the ``RetentionRule`` names (`daily: 7`).
struct KeepRules: Codable {
    var last, hourly, daily, weekly, monthly, yearly: Int?

    init(policy: RetentionPolicy) {
        last = policy.keepLast
        hourly = policy.keepHourly
        daily = policy.keepDaily
        weekly = policy.keepWeekly
        monthly = policy.keepMonthly
        yearly = policy.keepYearly
    }

    var policy: RetentionPolicy {
        RetentionPolicy(
            keepLast: last, keepHourly: hourly, keepDaily: daily, keepWeekly: weekly, keepMonthly: monthly,
            keepYearly: yearly)
    }
}

extension TimeZone {
    /// The message for a time zone name the system does not know.
    static func unknownMessage(_ identifier: String) -> String {
        "unknown time zone \"\(identifier)\" (use an IANA name such as Europe/Amsterdam or UTC)"
    }

    /// UTC under that name, so descriptions say "UTC" rather than "GMT".
    static var utc: TimeZone { TimeZone(identifier: "UTC") ?? .gmt }
}
