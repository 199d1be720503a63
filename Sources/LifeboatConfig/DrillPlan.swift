import Foundation
import LifeboatCore

/// A node's scheduled restore drill, from its `drills:` section: the latest state backup is
/// restored into a scratch directory, checked the way the node's stores are checked (every
/// file against the backup, SQLite `integrity_check`, PostgreSQL dump archives, MySQL dump
/// ends, Redis RDB headers), and the evidence is recorded in the catalog.
///
/// ```yaml
/// drills:
///   interval: 24h              # or cron: "30 3 * * *" with timezone
///   repository: offsite        # the node's first backup repository unless given
///   directory: /var/tmp/drills # where the scratch copy goes; the system temporary directory unless given
///   postgres: postgres://drill@127.0.0.1:5433/postgres  # a server for scratch databases (optional)
/// ```
///
/// With `postgres`, each PostgreSQL database of the backup is also loaded into a new scratch
/// database on that server (`lifeboat_drill_JOB_NAME`), its declared tables' row counts are
/// compared with the backup's record, and the scratch database is dropped.
public struct DrillPlan: Sendable, Hashable {
    /// When drills run.
    public var schedule: Schedule
    /// The repository drilled; nil for the node's first backup repository.
    public var repository: String?
    /// The directory the scratch restore is made in (absolute); nil for the system temporary directory.
    public var directory: String?
    /// A PostgreSQL server (`postgres://USER@HOST[:PORT]/MAINTENANCE_DB`, no password) where the
    /// backup's databases are loaded into scratch databases; nil to check the dumps without a server.
    public var postgres: String?
    /// Whether scheduled drills are suspended (a drill started through the API still runs).
    public var paused: Bool

    /// Creates a plan; the configuration loader checks the values.
    public init(schedule: Schedule, repository: String? = nil, directory: String? = nil, postgres: String? = nil, paused: Bool = false) {
        self.postgres = postgres
        self.schedule = schedule
        self.repository = repository
        self.directory = directory
        self.paused = paused
    }

    /// The keys a `drills:` section reads, in the order messages list them.
    static let keys = ["cron", "interval", "timezone", "repository", "directory", "postgres", "paused"]
}

extension DrillPlan: Codable {
    private enum CodingKeys: String, CodingKey {
        case cron, interval, timezone, repository, directory, postgres, paused
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
        repository = try container.decodeIfPresent(String.self, forKey: .repository)
        directory = try container.decodeIfPresent(String.self, forKey: .directory)
        postgres = try container.decodeIfPresent(String.self, forKey: .postgres)
        paused = try container.decodeIfPresent(Bool.self, forKey: .paused) ?? false
    }

    /// Encodes the keys ``init(from:)`` reads.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch schedule {
        case .cron(let expression, let timeZone):
            try container.encode(expression, forKey: .cron)
            try container.encode(timeZone.identifier, forKey: .timezone)
        case .interval(let interval):
            try container.encode(interval, forKey: .interval)
        }
        try container.encodeIfPresent(repository, forKey: .repository)
        try container.encodeIfPresent(directory, forKey: .directory)
        try container.encodeIfPresent(postgres, forKey: .postgres)
        try container.encode(paused, forKey: .paused)
    }
}
