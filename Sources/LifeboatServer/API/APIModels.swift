import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs

/// A job as the API shows it.
public struct JobView: Codable, Sendable, Hashable {
    public var id: Int64
    public var node: String
    public var kind: String
    public var trigger: String
    public var triggerDetail: String?
    public var state: String
    public var phase: String
    public var createdAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    public var durationSeconds: Double?
    public var bytesDone: Int64
    public var bytesTotal: Int64?
    public var percent: Double?
    public var snapshot: String?
    public var repositories: [String]
    public var error: String?
    public var target: String?
    /// A node restore's runbook steps with their states, in order; only in the view of one job.
    public var steps: [JobStep]?

    /// The view of a catalog job, with its runbook steps when it has any.
    public init(_ job: Job, steps: [JobStep] = []) {
        id = job.id.rawValue
        node = job.node
        kind = job.kind.rawValue
        trigger = job.trigger.rawValue
        triggerDetail = job.triggerDetail
        state = job.state.rawValue
        phase = job.phase
        createdAt = job.createdAt
        startedAt = job.startedAt
        endedAt = job.endedAt
        durationSeconds = job.duration
        bytesDone = job.bytesDone
        bytesTotal = job.bytesTotal
        percent = job.state == .completed ? 100 : job.percent
        snapshot = job.snapshot
        repositories = job.repositories
        error = job.errorMessage
        target = job.target
        self.steps = steps.isEmpty ? nil : steps
    }
}

/// A schedule as the API shows it.
public struct ScheduleView: Codable, Sendable, Hashable {
    public var kind: String
    /// `config`, `api`, `deleted` or `none`.
    public var origin: String
    public var paused: Bool
    public var cron: String?
    public var timezone: String?
    public var interval: String?
    /// The schedule in words, e.g. "every 6 hours, at minute 0".
    public var description: String?
    public var max: Int?
    public var environment: String?
    public var repositories: [String]
    public var keep: [String: Int]?
    public var lastRun: Date?
    public var nextRun: Date?
    /// The next three run times.
    public var nextRuns: [Date]

    /// The view of a schedule in force.
    init(_ s: EffectiveSchedule, now: Date) {
        kind = s.kind.rawValue
        origin = s.origin
        paused = s.paused
        lastRun = s.lastRun
        nextRun = s.nextRun
        repositories = s.plan?.repositories ?? []
        max = s.plan?.max
        environment = s.plan?.environment?.rawValue
        nextRuns = []
        if let plan = s.plan {
            switch plan.schedule {
            case .cron(let expression, let zone):
                cron = expression.description
                timezone = zone.identifier
            case .interval(let interval):
                self.interval = interval.description
            }
            description = plan.schedule.humanDescription
            if !s.paused { nextRuns = plan.schedule.nextTimes(after: s.nextRun.map { $0.addingTimeInterval(-0.001) } ?? now, count: 3) }
            if let policy = plan.keep {
                var rules: [String: Int] = [:]
                rules["last"] = policy.keepLast
                rules["hourly"] = policy.keepHourly
                rules["daily"] = policy.keepDaily
                rules["weekly"] = policy.keepWeekly
                rules["monthly"] = policy.keepMonthly
                rules["yearly"] = policy.keepYearly
                keep = rules
            }
        }
    }
}

/// One store of a node.
public struct StoreView: Codable, Sendable, Hashable {
    public var type: String
    public var path: String?
}

/// A node as the API shows it.
public struct NodeView: Codable, Sendable, Hashable {
    public var name: String
    public var profile: String
    public var datadir: String?
    public var stores: [StoreView]
    public var schedules: [ScheduleView]
    /// The newest job of each kind (`backup`, `identity`), whatever its state.
    public var lastJobs: [String: JobView]
    /// The newest Completed job of each kind.
    public var lastSuccess: [String: JobView]
    /// Whether the node is overdue or failing, with the reasons.
    public var warnings: [String]
}

/// The body of `POST /api/v1/nodes/{node}/restores`.
public struct RestoreBody: Codable, Sendable {
    public var snapshot: String?
    public var repository: String?
    public var target: String?
    public var force: Bool?
    /// Restore only this Redis entry (`redis`, `redis-2`, …) as an RDB file into `target`.
    public var redis: String?
    /// The RDB's file name in `target`; `dump.rdb` unless given.
    public var redisFile: String?
}

/// A snapshot of a node as the history shows it.
public struct SnapshotView: Codable, Sendable, Hashable {
    public var id: String
    public var shortId: String
    public var time: Date
    public var kind: String
    public var bytes: Int64
    public var files: Int
    public var repositories: [String]
}

/// A restore drill's evidence as the API shows it.
public struct DrillView: Codable, Sendable, Hashable {
    public var job: Int64
    public var node: String
    public var repository: String
    /// The backup drilled (full id); nil when none could be found.
    public var snapshot: String?
    public var snapshotTime: Date?
    public var startedAt: Date
    public var durationSeconds: Double
    public var files: Int
    public var bytes: Int64
    /// SHA-256 (hex) over the sorted lines `PATH SHA256` of every file restored.
    public var digest: String?
    public var passed: Bool
    public var checks: [Drill.Check]
    public var error: String?

    /// The view of a catalog drill.
    public init(_ drill: Drill) {
        job = drill.job.rawValue
        node = drill.node
        repository = drill.repository
        snapshot = drill.snapshot
        snapshotTime = drill.snapshotTime
        startedAt = drill.startedAt
        durationSeconds = drill.duration
        files = drill.files
        bytes = drill.bytes
        digest = drill.digest
        passed = drill.passed
        checks = drill.checks
        error = drill.error
    }
}
