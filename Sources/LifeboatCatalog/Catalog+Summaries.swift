import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// The ``JobSummary`` of every node and kind that has jobs: the counts kept by triggers in
    /// `job_count` (migration v6), then the newest and newest Completed job of each pair
    /// through the `(node, kind, created_at, id)` index, read only for the pairs whose jobs
    /// changed since the last call (``SummaryCache``).
    ///
    /// A scrape or a node list costs one transaction this way instead of several queries
    /// per node and kind, each a hop to a reader of the pool.
    public func summaries() async throws -> [JobSummary] {
        for _ in 0..<2 {
            if let summaries = try await summariesOnce() { return summaries }
        }
        // Written to by another process twice in a row: read everything without the cache.
        return try await summariesOnce(useCache: false) ?? []
    }

    /// One pass; nil when `job_change` shows the kept entries went stale meanwhile.
    private func summariesOnce(useCache: Bool = true) async throws -> [JobSummary]? {
        let counted = try await read("counting jobs") { db in
            (
                try Row.fetchAll(db, sql: "SELECT node, kind, state, n FROM job_count WHERE n > 0 ORDER BY node, kind, state")
                    .map { row in
                        (node: row["node"] as String, kind: row["kind"] as String, state: row["state"] as String, n: row["n"] as Int)
                    },
                try Int64.fetchOne(db, sql: "SELECT n FROM job_change") ?? 0
            )
        }
        var byPair: [String: JobSummary] = [:]
        var order: [String] = []
        for row in counted.0 {
            // Rows an older or newer Lifeboat wrote with a kind or state this one does not know are skipped.
            guard let kind = JobKind(rawValue: row.kind), let state = JobState(rawValue: row.state) else { continue }
            let key = SummaryCache.key(row.node, kind)
            if byPair[key] == nil {
                byPair[key] = JobSummary(node: row.node, kind: kind)
                order.append(key)
            }
            byPair[key]?.counts[state] = row.n
        }
        // Another process's writes since this one last wrote drop every kept entry.
        if useCache { _ = summaryCache.validate(counter: counted.1) }
        let kept = summaryCache.lookup(order)
        let missing = useCache ? order.filter { kept.entries[$0] == nil } : order
        let pairs = missing.compactMap { byPair[$0].map { ($0.node, $0.kind) } }
        let (read, counter) = try await read("summarising jobs") { db in
            var out: [String: SummaryCache.Entry] = [:]
            for (node, kind) in pairs {
                out[SummaryCache.key(node, kind)] = SummaryCache.Entry(
                    last: try JobInfo.request(Self.filtered(node: node, kind: kind, state: nil).limit(1)).fetchOne(db)?.job(),
                    lastCompleted: try JobInfo.request(Self.filtered(node: node, kind: kind, state: .completed).limit(1))
                        .fetchOne(db)?.job())
            }
            return (out, try Int64.fetchOne(db, sql: "SELECT n FROM job_change") ?? 0)
        }
        // Entries kept from before are good only if nobody else wrote since this process last did.
        if useCache && !summaryCache.validate(counter: counter) { return nil }
        summaryCache.store(read, versions: kept.versions, epoch: kept.epoch)
        return order.compactMap { key in
            guard var summary = byPair[key] else { return nil }
            let entry = read[key] ?? kept.entries[key]
            summary.last = entry?.last
            summary.lastCompleted = entry?.lastCompleted
            return summary
        }
    }
}
