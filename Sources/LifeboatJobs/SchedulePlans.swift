import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore

/// The schedules in force: the configuration's, unless one was created, replaced or
/// deleted through the API (kept in the catalog so it survives a restart).
public struct EffectiveSchedule: Sendable, Hashable {
    /// The node it belongs to.
    public var node: String
    /// `backup` or `identity`.
    public var kind: JobKind
    /// The plan, nil when the node has none (or it was deleted).
    public var plan: BackupPlan?
    /// Whether scheduled runs are suspended.
    public var paused: Bool
    /// Where the plan comes from: `config`, `api` or `none`.
    public var origin: String
    /// When it last started a job.
    public var lastRun: Date?
    /// When it starts the next one (nil when paused or absent).
    public var nextRun: Date?
}

extension BackupPlan {
    /// The plan as the JSON the catalog keeps.
    func catalogJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A plan read back from the catalog.
    static func fromCatalogJSON(_ text: String) throws -> BackupPlan {
        try JSONDecoder().decode(BackupPlan.self, from: Data(text.utf8))
    }

    /// The retention that keeps `max` newest snapshots plus what the calendar rules keep.
    var retention: RetentionPolicy {
        var policy = keep ?? RetentionPolicy()
        policy.keepLast = Swift.max(policy.keepLast ?? 0, max)
        return policy
    }
}

extension NodeConfiguration {
    /// The configured plan of a kind of job.
    func configuredPlan(_ kind: JobKind) -> BackupPlan? {
        switch kind {
        case .backup: backups
        case .identity: identity?.plan
        // A drill has no retention of its own: its plan is its schedule and the repository it restores from.
        case .drill:
            drills.map { drill in
                BackupPlan(
                    schedule: drill.schedule, max: 1, repositories: [drill.repository ?? backups?.repositories.first].compactMap { $0 },
                    paused: drill.paused)
            }
        default: nil
        }
    }
}
