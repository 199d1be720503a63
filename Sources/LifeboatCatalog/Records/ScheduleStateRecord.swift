import Foundation
internal import GRDB

/// A row of the `schedule_state` table: the scheduler's memory for one node and job kind.
struct ScheduleStateRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "schedule_state"

    var node: String
    var kind: JobKind
    var paused: Bool
    var lastRun: Date?
    var nextRun: Date?
    var plan: String?
    var deleted: Bool

    enum CodingKeys: String, CodingKey {
        case node, kind, paused
        case lastRun = "last_run"
        case nextRun = "next_run"
        case plan, deleted
    }

    /// The table's columns, for the query interface.
    enum Columns {
        static let node = Column(CodingKeys.node)
        static let kind = Column(CodingKeys.kind)
        static let paused = Column(CodingKeys.paused)
        static let lastRun = Column(CodingKeys.lastRun)
        static let nextRun = Column(CodingKeys.nextRun)
    }

    init(_ state: ScheduleState) {
        node = state.node
        kind = state.kind
        paused = state.paused
        lastRun = state.lastRun
        nextRun = state.nextRun
        plan = state.plan
        deleted = state.deleted
    }

    /// The public value.
    var state: ScheduleState {
        ScheduleState(
            node: node, kind: kind, paused: paused, lastRun: lastRun, nextRun: nextRun, plan: plan, deleted: deleted)
    }
}
