import Foundation
import GRDB
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatCatalog

/// The per node, kind and state counts that triggers keep (migration v6) match what the jobs
/// themselves say through every way a job changes, and a catalog from before v6 gets them.
@Suite struct CatalogCountTests {
    /// The counts computed from the jobs table itself.
    static func grouped(_ catalog: Catalog) async throws -> [String: Int] {
        try await catalog.read("test") { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT node, kind, state, COUNT(*) AS n FROM job GROUP BY node, kind, state") {
                out["\(row["node"] as String)/\(row["kind"] as String)/\(row["state"] as String)"] = row["n"]
            }
            return out
        }
    }

    static func summarised(_ catalog: Catalog) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for summary in try await catalog.summaries() {
            for (state, n) in summary.counts where n > 0 { out["\(summary.node)/\(summary.kind.rawValue)/\(state.rawValue)"] = n }
        }
        return out
    }

    @Test func countsFollowEveryChangeOfAJob() async throws {
        try await withCatalog { catalog, _ in
            var expected: [String: Int] = [:]
            var generator = SeededGenerator(seed: 17)
            var running: [(JobID, String)] = []
            for i in 0..<300 {
                let node = "node-\(i % 7)"
                let kind: JobKind = i % 5 == 0 ? .identity : .backup
                let job = try await catalog.createJob(node: node, kind: kind, trigger: .schedule, now: time(i))
                let key = "\(node)/\(kind.rawValue)/"
                switch UInt64.random(in: 0..<4, using: &generator) {
                case 0:
                    running.append((job.id, key))  // Pending: also settled as Failed below
                case 1:
                    try await catalog.start(job.id, now: time(i))
                    running.append((job.id, key))
                default:
                    try await catalog.start(job.id, now: time(i))
                    let state: JobState = i % 3 == 0 ? .failed : .completed
                    try await catalog.finish(job.id, state: state, snapshot: state == .completed ? snapshotID(i) : nil, now: time(i + 1))
                    expected[key + state.rawValue, default: 0] += 1
                }
            }
            // A stop leaves Pending and Running jobs, which the next start marks Failed.
            #expect(try await catalog.markInterruptedRunningJobs(now: time(1000)) == running.count)
            for (_, key) in running { expected[key + "Failed", default: 0] += 1 }
            #expect(try await Self.summarised(catalog) == expected)
            #expect(try await Self.grouped(catalog) == expected)
        }
    }

    @Test func aCatalogFromBeforeV6GetsItsCounts() async throws {
        let directory = try TemporaryDirectory(prefix: "lifeboat-catalog-v5")
        defer { directory.remove() }
        let path = directory.appending("catalog.db")
        do {
            let catalog = try Catalog(path: path)
            for i in 0..<40 {
                let job = try await catalog.createJob(node: "n\(i % 3)", kind: .backup, trigger: .manual, now: time(i))
                try await catalog.start(job.id, now: time(i))
                try await catalog.finish(job.id, state: i % 4 == 0 ? .failed : .completed, now: time(i))
            }
            try catalog.close()
        }
        // Back to v5: the count table, its triggers and the migration's row go; the jobs stay.
        do {
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(
                    sql: """
                        DROP TRIGGER job_count_insert; DROP TRIGGER job_count_update; DROP TRIGGER job_count_delete;
                        DROP TRIGGER job_change_update; DROP TRIGGER job_change_repository_insert;
                        DROP TRIGGER job_change_repository_delete;
                        DROP TABLE job_count; DROP TABLE job_change; DELETE FROM grdb_migrations WHERE identifier = 'v6';
                        """)
            }
            try queue.close()
        }
        let reopened = try Catalog(path: path)
        defer { try? reopened.close() }
        let expected = [
            "n0/backup/Completed": 10, "n0/backup/Failed": 4, "n1/backup/Completed": 10, "n1/backup/Failed": 3,
            "n2/backup/Completed": 10, "n2/backup/Failed": 3,
        ]
        #expect(try await Self.grouped(reopened) == expected)
        #expect(try await Self.summarised(reopened) == expected)
    }

    /// Summaries are kept between calls; every change shows in the next one, whether made
    /// through this catalog or by another process on the same file.
    @Test func keptSummariesSeeEveryWriteIncludingAnotherProcesss() async throws {
        try await withCatalog { catalog, directory in
            let first = try await catalog.createJob(node: "a", kind: .backup, trigger: .manual, now: time(1))
            try await catalog.start(first.id, now: time(1))
            #expect(try await catalog.summaries().first?.last?.state == .running)
            try await catalog.updateProgress(first.id, phase: "reading", bytesDone: 42)
            #expect(try await catalog.summaries().first?.last?.bytesDone == 42)
            try await catalog.finish(first.id, state: .completed, snapshot: snapshotID(1), now: time(2))
            var summary = try #require(try await catalog.summaries().first)
            #expect(summary.lastCompleted?.id == first.id && summary.last?.state == .completed)

            // Another process (the CLI beside the daemon) adds a newer job for the same pair.
            let other = try Catalog(path: directory.appending("catalog.db"))
            let second = try await other.createJob(node: "a", kind: .backup, trigger: .manual, now: time(3))
            try await other.addRepository("offsite", forSnapshot: snapshotID(1))
            try other.close()
            summary = try #require(try await catalog.summaries().first)
            #expect(summary.last?.id == second.id, "the kept summary missed another process's job")
            #expect(summary.lastCompleted?.repositories == ["offsite"], "\(String(describing: summary.lastCompleted))")
            #expect(summary.counts == [.completed: 1, .pending: 1])
        }
    }
}
