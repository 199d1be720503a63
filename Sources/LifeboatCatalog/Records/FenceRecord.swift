import Foundation
internal import GRDB

/// A row of the `fence` table: one fencing token issued to a node for an identity.
struct FenceRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "fence"

    var fingerprint: String
    var token: Int64
    var node: String
    var jobID: Int64
    var dump: String
    /// The markers as JSON.
    var markers: String
    /// The probed original addresses as JSON.
    var originals: String
    var overridden: Bool
    var issuedAt: Date

    enum CodingKeys: String, CodingKey {
        case fingerprint, token, node
        case jobID = "job_id"
        case dump, markers, originals, overridden
        case issuedAt = "issued_at"
    }

    /// The table's columns, for the query interface.
    enum Columns {
        static let fingerprint = Column(CodingKeys.fingerprint)
        static let token = Column(CodingKeys.token)
        static let node = Column(CodingKeys.node)
    }

    init(_ fence: Fence) throws {
        fingerprint = fence.fingerprint
        token = fence.token
        node = fence.node
        jobID = fence.job.rawValue
        dump = fence.dump
        markers = String(decoding: try JSONEncoder().encode(fence.markers), as: UTF8.self)
        originals = String(decoding: try JSONEncoder().encode(fence.originals), as: UTF8.self)
        overridden = fence.overridden
        issuedAt = fence.issuedAt
    }

    /// The public value (lists that cannot be decoded read as empty).
    var fence: Fence {
        Fence(
            fingerprint: fingerprint, token: token, node: node, job: JobID(jobID), dump: dump,
            markers: (try? JSONDecoder().decode([String].self, from: Data(markers.utf8))) ?? [],
            originals: (try? JSONDecoder().decode([String].self, from: Data(originals.utf8))) ?? [], overridden: overridden,
            issuedAt: issuedAt)
    }
}
