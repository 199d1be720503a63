import Foundation
internal import GRDB

/// A row of the `job_repository` table: one repository that holds a job's snapshot.
struct JobRepositoryRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "job_repository"

    var jobID: Int64
    var repository: String
    /// When the catalog learnt of it: the job's end, a copy, or a rebuild.
    var addedAt: Date

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case repository
        case addedAt = "added_at"
    }

    /// The table's columns, for the query interface.
    enum Columns {
        static let jobID = Column(CodingKeys.jobID)
        static let repository = Column(CodingKeys.repository)
        static let addedAt = Column(CodingKeys.addedAt)
    }
}
