import Foundation
internal import GRDB

/// A row of the `drill` table: the evidence of one restore drill.
struct DrillRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "drill"

    var jobID: Int64
    var node: String
    var repository: String
    var snapshot: String?
    var snapshotTime: Date?
    var startedAt: Date
    var duration: Double
    var files: Int
    var bytes: Int64
    var digest: String?
    var passed: Bool
    /// The checks as JSON.
    var checks: String
    var error: String?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case node, repository, snapshot
        case snapshotTime = "snapshot_time"
        case startedAt = "started_at"
        case duration, files, bytes, digest, passed, checks, error
    }

    /// The table's columns, for the query interface.
    enum Columns {
        static let node = Column(CodingKeys.node)
        static let startedAt = Column(CodingKeys.startedAt)
        static let passed = Column(CodingKeys.passed)
    }

    init(_ drill: Drill) throws {
        jobID = drill.job.rawValue
        node = drill.node
        repository = drill.repository
        snapshot = drill.snapshot
        snapshotTime = drill.snapshotTime
        startedAt = drill.startedAt
        duration = drill.duration
        files = drill.files
        bytes = drill.bytes
        digest = drill.digest
        passed = drill.passed
        checks = String(decoding: try JSONEncoder().encode(drill.checks), as: UTF8.self)
        error = drill.error
    }

    /// The public value (checks that cannot be decoded read as none).
    var drill: Drill {
        Drill(
            job: JobID(jobID), node: node, repository: repository, snapshot: snapshot, snapshotTime: snapshotTime, startedAt: startedAt,
            duration: duration, files: files, bytes: bytes, digest: digest, passed: passed,
            checks: (try? JSONDecoder().decode([Drill.Check].self, from: Data(checks.utf8))) ?? [], error: error)
    }
}
