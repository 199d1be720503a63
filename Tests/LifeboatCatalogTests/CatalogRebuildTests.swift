import Foundation
import LifeboatCore
import Testing

@testable import LifeboatCatalog

@Suite struct CatalogRebuildTests {
    /// s1 in two repositories, s2 an identity dump, s3 without a node.
    private let listing = [
        RebuiltSnapshot(id: snapshotID(1), node: "a", kind: .state, time: time(100), bytes: 1000, repository: "r1"),
        RebuiltSnapshot(id: snapshotID(2), node: "a", kind: .identity, time: time(200), bytes: 20, repository: "r1"),
        RebuiltSnapshot(id: snapshotID(1), node: "a", kind: .state, time: time(100), bytes: 1000, repository: "r2"),
        RebuiltSnapshot(id: snapshotID(3), node: nil, kind: .state, time: time(300), bytes: 5, repository: "r1"),
    ]

    @Test func rebuildCreatesCompletedJobsOncePerSnapshot() async throws {
        try await withCatalog { catalog, _ in
            let summary = try await catalog.rebuild(from: listing)
            #expect(summary == RebuildSummary(jobsCreated: 2, repositoriesAdded: 1, snapshotsWithoutNode: 1))

            let jobs = try await catalog.jobs()
            #expect(jobs.count == 2)
            let identity = try #require(jobs.first)
            #expect(identity.kind == .identity)
            #expect(identity.snapshot == snapshotID(2))
            let backup = try #require(jobs.last)
            #expect(backup.kind == .backup)
            #expect(backup.node == "a")
            #expect(backup.trigger == .rebuild)
            #expect(backup.state == .completed)
            #expect(backup.createdAt == time(100))
            #expect(backup.endedAt == time(100))
            #expect(backup.bytesDone == 1000)
            #expect(backup.percent == 100)
            #expect(backup.repositories == ["r1", "r2"])

            let again = try await catalog.rebuild(from: listing)
            #expect(again == RebuildSummary(jobsCreated: 0, repositoriesAdded: 0, snapshotsWithoutNode: 1))
            #expect(try await catalog.jobs() == jobs)
        }
    }

    @Test func rebuildKeepsExistingJobsAndOnlyAddsWhatTheyLack() async throws {
        try await withCatalog { catalog, _ in
            let made = try await catalog.createJob(node: "a", kind: .backup, trigger: .schedule, now: time(90))
            try await catalog.start(made.id, now: time(95))
            try await catalog.finish(made.id, state: .completed, snapshot: snapshotID(1), repositories: ["r1"], now: time(101))
            let failed = try await catalog.createJob(node: "a", kind: .backup, trigger: .manual, now: time(400))
            try await catalog.finish(failed.id, state: .failed, error: "node unreachable", now: time(401))

            let summary = try await catalog.rebuild(from: listing)
            #expect(summary == RebuildSummary(jobsCreated: 1, repositoriesAdded: 1, snapshotsWithoutNode: 1))

            let kept = try #require(try await catalog.job(made.id))
            #expect(kept.trigger == .schedule, "history the repository lacks is kept")
            #expect(kept.startedAt == time(95))
            #expect(kept.repositories == ["r1", "r2"])
            #expect(try await catalog.job(failed.id)?.errorMessage == "node unreachable")

            // The rebuilt identity job (time 200) sorts between the real ones by time.
            let order = try await catalog.jobs().map(\.snapshot)
            #expect(order == [nil, snapshotID(2), snapshotID(1)])
        }
    }

    @Test func rebuildWithABadSnapshotWritesNothing() async throws {
        let catalog = try Catalog.inMemory()
        var bad = listing
        bad.append(RebuiltSnapshot(id: "not-hex", node: "a", kind: .state, time: time(0), bytes: 1, repository: "r1"))
        await expectError(.invalidArgument, containing: ["\"not-hex\""]) { try await catalog.rebuild(from: bad) }
        bad.removeLast()
        bad.append(RebuiltSnapshot(id: snapshotID(9), node: "a", kind: .state, time: time(0), bytes: -1, repository: "r"))
        await expectError(.invalidArgument, containing: ["size of snapshot \(snapshotID(9))"]) {
            try await catalog.rebuild(from: bad)
        }
        #expect(try await catalog.jobs().isEmpty)
    }
}
