import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// Records the evidence of a drill (replacing any recorded for its job).
    /// - Throws: `.notFound` for an unknown job.
    public func recordDrill(_ drill: Drill) async throws {
        try await write("recording the drill of job \(drill.job)") { db in
            _ = try Self.requireRecord(db, drill.job, in: self.location)
            try DrillRecord(drill).save(db)
        }
    }

    /// A node's drills, newest first, at most `limit`.
    public func drills(node: String, limit: Int = 50) async throws -> [Drill] {
        try await read("reading the drills of node \(node)") { db in
            try DrillRecord.filter(DrillRecord.Columns.node == node).order(DrillRecord.Columns.startedAt.desc).limit(max(0, limit))
                .fetchAll(db).map(\.drill)
        }
    }

    /// The newest drill of each node that passed, by node.
    public func lastPassedDrills() async throws -> [String: Drill] {
        try await read("reading the last passed drills") { db in
            var out: [String: Drill] = [:]
            for record in try DrillRecord.filter(DrillRecord.Columns.passed == true).order(DrillRecord.Columns.startedAt).fetchAll(db) {
                out[record.node] = record.drill
            }
            return out
        }
    }
}
