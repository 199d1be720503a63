import Foundation
internal import GRDB

/// A row of the `job_step` table: one runbook step of a job, at its position.
struct JobStepRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "job_step"

    var jobID: Int64
    var position: Int
    var stepID: String
    var description: String
    var status: String
    var message: String?
    var startedAt: Date?
    var endedAt: Date?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case position
        case stepID = "step_id"
        case description, status, message
        case startedAt = "started_at"
        case endedAt = "ended_at"
    }

    /// The table's columns, for the query interface.
    enum Columns {
        static let jobID = Column(CodingKeys.jobID)
        static let position = Column(CodingKeys.position)
    }

    /// The public value.
    var step: JobStep {
        JobStep(id: stepID, description: description, status: status, message: message, startedAt: startedAt, endedAt: endedAt)
    }
}
