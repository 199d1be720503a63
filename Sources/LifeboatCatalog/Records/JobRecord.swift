import Foundation
internal import GRDB
import LifeboatCore

/// A row of the `job` table; the only type that writes it.
struct JobRecord: Codable, Hashable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "job"

    /// Nil until inserted; SQLite assigns it (`AUTOINCREMENT`, so never reused).
    var id: Int64?
    var node: String
    var kind: JobKind
    var trigger: JobTrigger
    var triggerDetail: String?
    var state: JobState
    var phase: String
    var createdAt: Date
    var startedAt: Date?
    var endedAt: Date?
    var bytesDone: Int64
    var bytesTotal: Int64?
    var snapshotID: String?
    var errorMessage: String?
    var target: String?

    enum CodingKeys: String, CodingKey {
        case id, node, kind, trigger
        case triggerDetail = "trigger_detail"
        case state, phase
        case createdAt = "created_at"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case bytesDone = "bytes_done"
        case bytesTotal = "bytes_total"
        case snapshotID = "snapshot_id"
        case errorMessage = "error_message"
        case target
    }

    /// The table's columns, for the query interface.
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let node = Column(CodingKeys.node)
        static let kind = Column(CodingKeys.kind)
        static let trigger = Column(CodingKeys.trigger)
        static let triggerDetail = Column(CodingKeys.triggerDetail)
        static let state = Column(CodingKeys.state)
        static let phase = Column(CodingKeys.phase)
        static let createdAt = Column(CodingKeys.createdAt)
        static let startedAt = Column(CodingKeys.startedAt)
        static let endedAt = Column(CodingKeys.endedAt)
        static let bytesDone = Column(CodingKeys.bytesDone)
        static let bytesTotal = Column(CodingKeys.bytesTotal)
        static let snapshotID = Column(CodingKeys.snapshotID)
        static let errorMessage = Column(CodingKeys.errorMessage)
        static let target = Column(CodingKeys.target)
    }

    /// The repositories that hold this job's snapshot.
    static let repositories = hasMany(JobRepositoryRecord.self, key: "repositories")

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension JobRecord {
    /// A new Pending job.
    init(node: String, kind: JobKind, trigger: JobTrigger, triggerDetail: String?, target: String?, createdAt: Date) {
        self.init(
            id: nil, node: node, kind: kind, trigger: trigger, triggerDetail: triggerDetail, state: .pending,
            phase: "", createdAt: createdAt, startedAt: nil, endedAt: nil, bytesDone: 0, bytesTotal: nil,
            snapshotID: nil, errorMessage: nil, target: target)
    }

    /// The row's id; throws for a record never inserted, which would be a bug here.
    func requireID() throws -> Int64 {
        guard let id else {
            throw LifeboatError(.internalError, "catalog job record for node \(node) has no id: it was never inserted")
        }
        return id
    }

    /// The public value, with the repositories fetched alongside.
    func job(repositories: [String]) throws -> Job {
        Job(
            id: JobID(try requireID()), node: node, kind: kind, trigger: trigger, triggerDetail: triggerDetail,
            state: state, phase: phase, createdAt: createdAt, startedAt: startedAt, endedAt: endedAt,
            bytesDone: bytesDone, bytesTotal: bytesTotal, snapshot: snapshotID, repositories: repositories,
            errorMessage: errorMessage, target: target)
    }
}
