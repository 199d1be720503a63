import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// Records the steps a job will run, in order, replacing any recorded before; each
    /// keeps the times already recorded at its position.
    /// - Throws: `.notFound` for an unknown job.
    public func setSteps(_ id: JobID, _ steps: [JobStep], now: Date = Date()) async throws {
        try await write("recording the steps of job \(id)") { db in
            _ = try Self.requireRecord(db, id, in: self.location)
            let before = try Self.stepRecords(db, id)
            try JobStepRecord.filter(JobStepRecord.Columns.jobID == id.rawValue).deleteAll(db)
            for (position, step) in steps.enumerated() {
                let previous = before.first { $0.position == position && $0.stepID == step.id }
                try Self.record(step, of: id, at: position, previous: previous, now: now).insert(db)
            }
        }
    }

    /// Records one step's new state: its start time when it first runs, its end time when
    /// it leaves `running`.
    /// - Throws: `.notFound` for an unknown job, `.invalidArgument` for a negative position.
    public func updateStep(_ id: JobID, at position: Int, _ step: JobStep, now: Date = Date()) async throws {
        guard position >= 0 else {
            throw LifeboatError(.invalidArgument, "step position \(position) of job \(id) is negative")
        }
        try await write("recording step \(step.id) of job \(id)") { db in
            _ = try Self.requireRecord(db, id, in: self.location)
            let previous = try JobStepRecord.fetchOne(db, key: ["job_id": id.rawValue, "position": position])
            try Self.record(step, of: id, at: position, previous: previous, now: now).save(db)
        }
    }

    /// The recorded steps of a job, in order; empty for a job that runs no runbook.
    public func steps(_ id: JobID) async throws -> [JobStep] {
        try await read("reading the steps of job \(id)") { db in try Self.stepRecords(db, id).map(\.step) }
    }

    static func stepRecords(_ db: Database, _ id: JobID) throws -> [JobStepRecord] {
        try JobStepRecord.filter(JobStepRecord.Columns.jobID == id.rawValue).order(JobStepRecord.Columns.position).fetchAll(db)
    }

    /// The row for `step`, its times carried over from `previous` and set by the move to or from `running`.
    static func record(_ step: JobStep, of id: JobID, at position: Int, previous: JobStepRecord?, now: Date) -> JobStepRecord {
        var startedAt = step.startedAt ?? previous?.startedAt
        var endedAt = step.endedAt ?? previous?.endedAt
        if step.status == "running" {
            startedAt = startedAt ?? now
            endedAt = nil
        } else if !JobStep.unfinished.contains(step.status) {
            endedAt = endedAt ?? now
        }
        return JobStepRecord(
            jobID: id.rawValue, position: position, stepID: step.id, description: step.description, status: step.status,
            message: step.message, startedAt: startedAt, endedAt: endedAt)
    }
}
