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
}
