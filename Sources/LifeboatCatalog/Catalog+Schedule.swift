import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// The scheduler's state for `kind` jobs on `node`, or nil if it never saved one.
    public func scheduleState(node: String, kind: JobKind) async throws -> ScheduleState? {
        try await read("reading the \(kind) schedule state of node \(node)") { db in
            try ScheduleStateRecord.fetchOne(db, key: ["node": node, "kind": kind.rawValue])?.state
        }
    }

    /// Every saved schedule state, of one node or all, sorted by node and kind.
    public func scheduleStates(node: String? = nil) async throws -> [ScheduleState] {
        try await read("listing schedule states") { db in
            var request = ScheduleStateRecord.all()
            if let node { request = request.filter(ScheduleStateRecord.Columns.node == node) }
            return try request.order(ScheduleStateRecord.Columns.node, ScheduleStateRecord.Columns.kind)
                .fetchAll(db).map(\.state)
        }
    }

    /// Saves the state for its node and kind, replacing what was there.
    public func setScheduleState(_ state: ScheduleState) async throws {
        _ = try CatalogArgument.node(state.node)
        try await write("saving the \(state.kind) schedule state of node \(state.node)") { db in
            try ScheduleStateRecord(state).upsert(db)
        }
    }

    /// Records when a schedule last started a job and when it starts the next, leaving its
    /// plan, pause and deletion alone (so a scheduler tick never undoes an API change).
    public func setScheduleRunTimes(node: String, kind: JobKind, lastRun: Date?, nextRun: Date?) async throws {
        _ = try CatalogArgument.node(node)
        try await write("saving the \(kind) run times of node \(node)") { db in
            if var record = try ScheduleStateRecord.fetchOne(db, key: ["node": node, "kind": kind.rawValue]) {
                record.lastRun = lastRun
                record.nextRun = nextRun
                try record.update(db, columns: [ScheduleStateRecord.Columns.lastRun, ScheduleStateRecord.Columns.nextRun])
            } else {
                try ScheduleStateRecord(ScheduleState(node: node, kind: kind, lastRun: lastRun, nextRun: nextRun)).insert(db)
            }
        }
    }
}
