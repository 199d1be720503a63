import Foundation
import LifeboatCore
import Testing

@testable import LifeboatCatalog

@Suite struct CatalogListingTests {
    /// Creates jobs for two nodes and three kinds at times 0, 10, 20, … and finishes some.
    private func populate(_ catalog: Catalog) async throws -> [Job] {
        let plan: [(String, JobKind, JobState)] = [
            ("a", .backup, .completed), ("b", .backup, .completed), ("a", .identity, .completed),
            ("a", .backup, .failed), ("b", .verify, .running), ("a", .backup, .pending),
        ]
        var jobs: [Job] = []
        for (index, (node, kind, state)) in plan.enumerated() {
            let job = try await catalog.createJob(node: node, kind: kind, trigger: .schedule, now: time(index * 10))
            if state != .pending { try await catalog.start(job.id, now: time(index * 10 + 1)) }
            if state.isFinished { try await catalog.finish(job.id, state: state, now: time(index * 10 + 2)) }
            jobs.append(try #require(try await catalog.job(job.id)))
        }
        return jobs
    }

    @Test func listsNewestFirstAndFilters() async throws {
        try await withCatalog { catalog, _ in
            let jobs = try await populate(catalog)
            #expect(try await catalog.jobs() == jobs.reversed())
            #expect(try await catalog.jobs(node: "b").map(\.id) == [jobs[4].id, jobs[1].id])
            #expect(try await catalog.jobs(kind: .identity).map(\.id) == [jobs[2].id])
            #expect(try await catalog.jobs(node: "a", kind: .backup).map(\.id) == [jobs[5].id, jobs[3].id, jobs[0].id])
            #expect(try await catalog.jobs(state: .completed).map(\.id) == [jobs[2].id, jobs[1].id, jobs[0].id])
            #expect(try await catalog.jobs(node: "c").isEmpty)
            #expect(try await catalog.jobs(limit: 2).map(\.id) == [jobs[5].id, jobs[4].id])
        }
    }

    @Test func lastJobIsTheNewestMatching() async throws {
        try await withCatalog { catalog, _ in
            let jobs = try await populate(catalog)
            #expect(try await catalog.lastJob(node: "a", kind: .backup)?.id == jobs[5].id)
            #expect(try await catalog.lastJob(node: "a", kind: .backup, state: .completed)?.id == jobs[0].id)
            #expect(try await catalog.lastJob(node: "b", kind: .identity) == nil)
            #expect(try await catalog.lastJob()?.id == jobs[5].id)
        }
    }

    @Test func pagesCoverEveryJobOnceEvenWithEqualTimes() async throws {
        try await withCatalog { catalog, _ in
            // Four jobs share one creation time (a time cursor would skip or repeat them), and
            // creation order is not time order (as after a rebuild), so an id cursor would too.
            let times = [50, 10, 20, 20, 20, 20, 60, 0, 40, 30]
            var created: [Job] = []
            for (index, seconds) in times.enumerated() {
                created.append(
                    try await catalog.createJob(
                        node: index.isMultiple(of: 2) ? "even" : "odd", kind: .backup, trigger: .schedule,
                        now: time(seconds)))
            }
            let all = try await catalog.jobs(limit: 100)
            #expect(all.count == times.count)
            #expect(all.map(\.createdAt) == all.map(\.createdAt).sorted(by: >))

            for (node, pageSize) in [(String?.none, 3), ("even", 2), ("odd", 4)] {
                var pages: [[Job]] = []
                var cursor: JobID?
                while true {
                    let page = try await catalog.jobs(node: node, limit: pageSize, before: cursor)
                    if page.isEmpty { break }
                    #expect(page.count <= pageSize)
                    pages.append(page)
                    cursor = page.last?.id
                }
                let paged = pages.flatMap { $0 }
                let expected = try await catalog.jobs(node: node, limit: 100)
                #expect(paged == expected, "node \(node ?? "any"), page size \(pageSize)")
                #expect(Set(paged.map(\.id)).count == paged.count)
            }
            // Within equal times the newer id comes first.
            let tied = all.filter { $0.createdAt == time(20) }.map(\.id)
            #expect(tied == tied.sorted(by: >))
            #expect(tied.count == 4)
        }
    }

    @Test func cursorOfAnUnknownJobGivesAnEmptyPage() async throws {
        let catalog = try Catalog.inMemory()
        _ = try await catalog.createJob(node: "n", kind: .backup, trigger: .schedule)
        #expect(try await catalog.jobs(before: JobID(9999)).isEmpty)
        await expectError(.invalidArgument, containing: ["limit is 0"]) { _ = try await catalog.jobs(limit: 0) }
    }
}
