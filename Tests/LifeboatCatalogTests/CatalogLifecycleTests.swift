import Foundation
import LifeboatCore
import Testing

@testable import LifeboatCatalog

@Suite struct CatalogLifecycleTests {
    @Test func jobGoesFromPendingThroughRunningToCompleted() async throws {
        try await withCatalog { catalog, _ in
            let created = try await catalog.createJob(
                node: "nuts-1", kind: .backup, trigger: .manual, triggerDetail: "user alice", now: time(0))
            #expect(created.state == .pending)
            #expect(created.node == "nuts-1")
            #expect(created.kind == .backup)
            #expect(created.trigger == .manual)
            #expect(created.triggerDetail == "user alice")
            #expect(created.createdAt == time(0))
            #expect(created.startedAt == nil)
            #expect(created.phase == "")
            #expect(created.percent == nil)

            let started = try await catalog.start(created.id, now: time(5))
            #expect(started.state == .running)
            #expect(started.startedAt == time(5))

            try await catalog.updateProgress(created.id, phase: "scanning", bytesDone: 100, bytesTotal: 400)
            var job = try #require(try await catalog.job(created.id))
            #expect(job.phase == "scanning")
            #expect(job.bytesDone == 100)
            #expect(job.bytesTotal == 400)
            #expect(job.percent == 25)

            // Nil phase and total keep what was stored.
            try await catalog.updateProgress(created.id, bytesDone: 300)
            job = try #require(try await catalog.job(created.id))
            #expect(job.phase == "scanning")
            #expect(job.bytesTotal == 400)
            #expect(job.percent == 75)

            let snapshot = snapshotID(0xabc).uppercased()
            let finished = try await catalog.finish(
                created.id, state: .completed, snapshot: snapshot, repositories: ["s3://b/repo", "/srv/repo"],
                now: time(65))
            #expect(finished.state == .completed)
            #expect(finished.endedAt == time(65))
            #expect(finished.duration == 60)
            #expect(finished.snapshot == snapshotID(0xabc), "stored in canonical lower case")
            #expect(finished.repositories == ["/srv/repo", "s3://b/repo"])
            #expect(finished.errorMessage == nil)
            #expect(try await catalog.job(created.id) == finished)
        }
    }

    @Test func restoreKeepsItsTarget() async throws {
        let catalog = try Catalog.inMemory()
        let job = try await catalog.createJob(node: "canton-1", kind: .restore, trigger: .api, target: "/restore/here")
        #expect(try await catalog.job(job.id)?.target == "/restore/here")
    }

    @Test func percentIsClampedAndUnknownWithoutATotal() async throws {
        let catalog = try Catalog.inMemory()
        let job = try await catalog.createJob(node: "n", kind: .backup, trigger: .schedule)
        try await catalog.start(job.id)
        try await catalog.updateProgress(job.id, bytesDone: 500)
        #expect(try await catalog.job(job.id)?.percent == nil)
        try await catalog.updateProgress(job.id, bytesDone: 500, bytesTotal: 0)
        #expect(try await catalog.job(job.id)?.percent == nil)
        try await catalog.updateProgress(job.id, bytesDone: 500, bytesTotal: 400)
        #expect(try await catalog.job(job.id)?.percent == 100)
    }

    @Test(arguments: [JobState.completed, .failed, .partiallyFailed, .cancelled])
    func runningJobFinishesInAnyFinishedState(_ state: JobState) async throws {
        let catalog = try Catalog.inMemory()
        let job = try await catalog.createJob(node: "n", kind: .verify, trigger: .schedule)
        try await catalog.start(job.id)
        let finished = try await catalog.finish(job.id, state: state, error: state == .completed ? nil : "disk full")
        #expect(finished.state == state)
        #expect(finished.errorMessage == (state == .completed ? nil : "disk full"))
        #expect(finished.endedAt != nil)
    }

    @Test(arguments: [JobState.failed, .cancelled])
    func pendingJobMayFailOrBeCancelled(_ state: JobState) async throws {
        let catalog = try Catalog.inMemory()
        let job = try await catalog.createJob(node: "n", kind: .prune, trigger: .schedule)
        let finished = try await catalog.finish(job.id, state: state, error: "repository locked")
        #expect(finished.state == state)
        #expect(finished.startedAt == nil)
    }

    /// Transitions the state machine forbids, each from a prepared job.
    enum InvalidTransition: String, CaseIterable, CustomTestStringConvertible {
        case startRunning, startCompleted, finishTwice, finishPendingAsCompleted, finishAsRunning
        case progressOnPending, progressOnCancelled

        var testDescription: String { rawValue }

        /// The state the job is put in before the forbidden step.
        var before: JobState {
            switch self {
            case .startRunning, .finishAsRunning: .running
            case .startCompleted, .finishTwice: .completed
            case .finishPendingAsCompleted, .progressOnPending: .pending
            case .progressOnCancelled: .cancelled
            }
        }

        /// Words the error must contain besides the job id.
        var fragments: [String] {
            switch self {
            case .startRunning: ["cannot start", "it is Running", "only a Pending job can start"]
            case .startCompleted: ["cannot start", "it is Completed"]
            case .finishTwice: ["cannot finish", "as Failed", "already finished as Completed"]
            case .finishPendingAsCompleted: ["as Completed", "it is Pending", "Failed or Cancelled"]
            case .finishAsRunning: ["as Running", "a job finishes as Completed"]
            case .progressOnPending: ["cannot record progress", "it is Pending", "only a Running job"]
            case .progressOnCancelled: ["cannot record progress", "it is Cancelled"]
            }
        }

        func attempt(_ catalog: Catalog, _ id: JobID) async throws {
            switch self {
            case .startRunning, .startCompleted: try await catalog.start(id)
            case .finishTwice: try await catalog.finish(id, state: .failed)
            case .finishPendingAsCompleted: try await catalog.finish(id, state: .completed)
            case .finishAsRunning: try await catalog.finish(id, state: .running)
            case .progressOnPending, .progressOnCancelled: try await catalog.updateProgress(id, bytesDone: 1)
            }
        }
    }

    @Test(arguments: InvalidTransition.allCases)
    func invalidTransitionIsRefusedAndChangesNothing(_ transition: InvalidTransition) async throws {
        try await withCatalog { catalog, _ in
            let job = try await catalog.createJob(node: "n", kind: .backup, trigger: .schedule)
            switch transition.before {
            case .pending: break
            case .running: try await catalog.start(job.id)
            case .cancelled: try await catalog.finish(job.id, state: .cancelled)
            default:
                try await catalog.start(job.id)
                try await catalog.finish(job.id, state: transition.before, snapshot: snapshotID(1), repositories: ["r"])
            }
            let before = try #require(try await catalog.job(job.id))
            #expect(before.state == transition.before)

            await expectError(.invalidArgument, containing: ["job \(job.id)"] + transition.fragments) {
                try await transition.attempt(catalog, job.id)
            }
            #expect(try await catalog.job(job.id) == before)
        }
    }

    @Test func unknownJobIsNotFound() async throws {
        let catalog = try Catalog.inMemory()
        let missing = JobID(404)
        #expect(try await catalog.job(missing) == nil)
        await expectError(.notFound, containing: ["job 404 not found"]) { try await catalog.start(missing) }
        await expectError(.notFound, containing: ["job 404 not found"]) {
            try await catalog.updateProgress(missing, bytesDone: 1)
        }
        await expectError(.notFound, containing: ["job 404 not found"]) {
            try await catalog.finish(missing, state: .failed)
        }
    }

    @Test func badArgumentsAreNamed() async throws {
        let catalog = try Catalog.inMemory()
        await expectError(.invalidArgument, containing: ["node name", "empty"]) {
            _ = try await catalog.createJob(node: "", kind: .backup, trigger: .manual)
        }
        let job = try await catalog.createJob(node: "n", kind: .backup, trigger: .manual)
        try await catalog.start(job.id)
        await expectError(.invalidArgument, containing: ["bytes done for job \(job.id)", "-1"]) {
            try await catalog.updateProgress(job.id, bytesDone: -1)
        }
        await expectError(.invalidArgument, containing: ["bytes total", "-5"]) {
            try await catalog.updateProgress(job.id, bytesDone: 1, bytesTotal: -5)
        }
        await expectError(.invalidArgument, containing: ["\"xyz\"", "64 hex"]) {
            try await catalog.finish(job.id, state: .completed, snapshot: "xyz")
        }
        await expectError(.invalidArgument, containing: ["repositories for job \(job.id)", "no snapshot"]) {
            try await catalog.finish(job.id, state: .completed, repositories: ["r"])
        }
        #expect(try await catalog.job(job.id)?.state == .running)
        #expect(JobID("12") == JobID(12))
        #expect(JobID("0") == nil)
        #expect(JobID("twelve") == nil)
    }

    @Test func copyAddsRepositoriesToTheJobThatMadeTheSnapshot() async throws {
        let catalog = try Catalog.inMemory()
        let backup = try await catalog.createJob(node: "n", kind: .backup, trigger: .schedule)
        try await catalog.start(backup.id)
        try await catalog.finish(backup.id, state: .completed, snapshot: snapshotID(7), repositories: ["primary"])
        let copy = try await catalog.createJob(node: "n", kind: .copy, trigger: .schedule)
        try await catalog.start(copy.id)
        try await catalog.finish(copy.id, state: .completed, snapshot: snapshotID(7), repositories: ["offsite"])

        #expect(try await catalog.addRepository("offsite", forSnapshot: snapshotID(7)) == 1)
        #expect(try await catalog.addRepository("offsite", forSnapshot: snapshotID(7)) == 0, "already listed")
        #expect(try await catalog.addRepository("x", forSnapshot: snapshotID(8)) == 0, "no such snapshot")
        #expect(try await catalog.job(backup.id)?.repositories == ["offsite", "primary"])
        #expect(try await catalog.job(copy.id)?.repositories == ["offsite"], "only backup and identity jobs gain it")
    }
}
