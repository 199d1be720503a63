import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// Issues the next fencing token of `fence.fingerprint` (one more than the highest issued,
    /// 1 for the first) and records it, in one transaction; returns the fence with its token.
    /// The same job issuing again (a resumed runbook) gets its token back, not a new one.
    /// - Throws: `.notFound` for an unknown job.
    public func issueFence(_ fence: Fence) async throws -> Fence {
        try await write("issuing a fencing token to node \(fence.node)") { db in
            _ = try Self.requireRecord(db, fence.job, in: self.location)
            if let existing = try FenceRecord.filter(FenceRecord.Columns.fingerprint == fence.fingerprint)
                .filter(Column("job_id") == fence.job.rawValue).fetchOne(db)
            {
                return existing.fence
            }
            let highest =
                try Int64.fetchOne(db, sql: "SELECT max(token) FROM fence WHERE fingerprint = ?", arguments: [fence.fingerprint]) ?? 0
            var issued = fence
            issued.token = highest + 1
            try FenceRecord(issued).insert(db)
            return issued
        }
    }

    /// Every fencing token issued, newest first; only a node's when `node` is given.
    public func fences(node: String? = nil) async throws -> [Fence] {
        try await read("reading the fencing tokens") { db in
            var request = FenceRecord.all()
            if let node { request = request.filter(FenceRecord.Columns.node == node) }
            return try request.order(Column("issued_at").desc, FenceRecord.Columns.token.desc).fetchAll(db).map(\.fence)
        }
    }

    /// The newest token of each identity, by fingerprint.
    public func latestFences() async throws -> [String: Fence] {
        try await read("reading the latest fencing tokens") { db in
            var out: [String: Fence] = [:]
            for record in try FenceRecord.order(FenceRecord.Columns.token).fetchAll(db) { out[record.fingerprint] = record.fence }
            return out
        }
    }
}
