import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// The ``JobSummary`` of every node and kind that has jobs, in one read: one grouped
    /// count over the table, then the newest and newest Completed job of each pair through
    /// the `(node, kind, created_at, id)` index.
    ///
    /// A scrape or a node list costs one transaction this way instead of several queries
    /// per node and kind, each a hop to a reader of the pool.
    public func summaries() async throws -> [JobSummary] {
        try await read("summarising jobs") { db in
            var byPair: [String: JobSummary] = [:]
            let rows = try Row.fetchAll(db, sql: "SELECT node, kind, state, COUNT(*) AS n FROM job GROUP BY node, kind, state")
            var order: [String] = []
            for row in rows {
                let node: String = row["node"]
                let kindText: String = row["kind"]
                let stateText: String = row["state"]
                // Rows an older or newer Lifeboat wrote with a kind or state this one does not know are skipped.
                guard let kind = JobKind(rawValue: kindText), let state = JobState(rawValue: stateText) else { continue }
                let key = node + "\u{0}" + kind.rawValue
                if byPair[key] == nil {
                    byPair[key] = JobSummary(node: node, kind: kind)
                    order.append(key)
                }
                let count: Int = row["n"]
                byPair[key]?.counts[state] = count
            }
            for key in order {
                guard var summary = byPair[key] else { continue }
                summary.last = try JobInfo.request(Self.filtered(node: summary.node, kind: summary.kind, state: nil).limit(1))
                    .fetchOne(db)?.job()
                summary.lastCompleted = try JobInfo.request(
                    Self.filtered(node: summary.node, kind: summary.kind, state: .completed).limit(1)
                ).fetchOne(db)?.job()
                byPair[key] = summary
            }
            return order.compactMap { byPair[$0] }
        }
    }
}
