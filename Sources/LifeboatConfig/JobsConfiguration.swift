import LifeboatCore

/// How the daemon runs jobs, from `jobs:`.
public struct JobsConfiguration: Sendable, Hashable {
    /// How many nodes are backed up at the same time, 1–64.
    public var maxParallel: Int
    /// Whether a run missed while the daemon was down starts right after start-up.
    public var runMissedAtStart: Bool
    /// How long running jobs get to finish after SIGTERM before they are cancelled.
    public var shutdownGrace: Interval
    /// How often unreferenced data is pruned from the repositories.
    public var pruneEvery: Interval

    /// Creates job settings.
    public init(maxParallel: Int, runMissedAtStart: Bool, shutdownGrace: Interval, pruneEvery: Interval) {
        self.maxParallel = maxParallel
        self.runMissedAtStart = runMissedAtStart
        self.shutdownGrace = shutdownGrace
        self.pruneEvery = pruneEvery
    }

    /// The range `max_parallel` accepts.
    static let maxParallelRange = 1...64

    /// The settings when `jobs:` leaves a key out: two nodes at once, catch up at start, 30s grace, daily prune.
    public static var `default`: JobsConfiguration {
        JobsConfiguration(
            maxParallel: 2, runMissedAtStart: true,
            shutdownGrace: Interval.validLiteral("30s"), pruneEvery: Interval.validLiteral("24h"))
    }
}

extension JobsConfiguration: Codable {
    private enum CodingKeys: String, CodingKey {
        case maxParallel = "max_parallel"
        case runMissedAtStart = "run_missed_at_start"
        case shutdownGrace = "shutdown_grace"
        case pruneEvery = "prune_every"
    }
}

extension Interval {
    /// Parses an interval the code base itself supplies; a failure is a bug, reported as such.
    static func validLiteral(_ text: StaticString) -> Interval {
        do {
            return try Interval("\(text)")
        } catch {
            preconditionFailure("built-in interval \"\(text)\" does not parse: \(error)")
        }
    }
}
