import Foundation
import LifeboatCore
import Testing

@testable import LifeboatCatalog

/// The runbook steps a node restore job records: planned in order, each one's state,
/// message and times as it runs, kept in the file across a reopen.
@Suite struct CatalogStepTests {
    static let planned = ["check", "stage", "stop"].map { JobStep(id: $0, description: "the \($0) step", status: "planned") }

    @Test func stepsKeepTheirOrderStatesMessagesAndTimes() async throws {
        try await withCatalog { catalog, directory in
            let job = try await catalog.createJob(node: "nuts-1", kind: .restore, trigger: .api, now: time(0))
            #expect(try await catalog.steps(job.id).isEmpty, "a job without a runbook has no steps")
            try await catalog.setSteps(job.id, Self.planned, now: time(1))
            var steps = try await catalog.steps(job.id)
            #expect(steps.map(\.id) == ["check", "stage", "stop"])
            #expect(steps.allSatisfy { $0.status == "planned" && $0.startedAt == nil && $0.endedAt == nil })

            var check = Self.planned[0]
            check.status = "running"
            try await catalog.updateStep(job.id, at: 0, check, now: time(2))
            check.status = "warning"
            check.message = "no identity dump given"
            try await catalog.updateStep(job.id, at: 0, check, now: time(7))
            var stage = Self.planned[1]
            stage.status = "running"
            try await catalog.updateStep(job.id, at: 1, stage, now: time(7))
            steps = try await catalog.steps(job.id)
            #expect(steps[0].status == "warning" && steps[0].message == "no identity dump given")
            #expect(steps[0].startedAt == time(2) && steps[0].endedAt == time(7))
            #expect(steps[1].status == "running" && steps[1].startedAt == time(7) && steps[1].endedAt == nil)
            #expect(steps[2].status == "planned")

            // A step that never ran and is skipped gets an end but no start.
            var stop = Self.planned[2]
            stop.status = "skipped"
            stop.message = "not run: step stage failed"
            try await catalog.updateStep(job.id, at: 2, stop, now: time(9))
            #expect(try await catalog.steps(job.id)[2].startedAt == nil)
            #expect(try await catalog.steps(job.id)[2].endedAt == time(9))

            // Recording the plan again keeps the times of the steps already recorded.
            try await catalog.setSteps(job.id, Self.planned, now: time(10))
            #expect(try await catalog.steps(job.id)[0].startedAt == time(2))

            let reopened = try Catalog(path: directory.appending("catalog.db"))
            #expect(try await reopened.steps(job.id).map(\.id) == ["check", "stage", "stop"])
            #expect(try await reopened.steps(job.id)[0].startedAt == time(2))
        }
    }

    @Test func stepsOfAnUnknownJobOrANegativePositionAreRefused() async throws {
        let catalog = try Catalog.inMemory()
        await expectError(.notFound, containing: ["job 42"]) { try await catalog.setSteps(JobID(42), Self.planned) }
        await expectError(.notFound, containing: ["job 42"]) { try await catalog.updateStep(JobID(42), at: 0, Self.planned[0]) }
        let job = try await catalog.createJob(node: "n1", kind: .restore, trigger: .api)
        await expectError(.invalidArgument, containing: ["negative"]) { try await catalog.updateStep(job.id, at: -1, Self.planned[0]) }
        // Each step write moves the write count, so cached job views refresh.
        let before = catalog.writeCount
        try await catalog.updateStep(job.id, at: 0, Self.planned[0])
        #expect(catalog.writeCount > before)
    }
}
