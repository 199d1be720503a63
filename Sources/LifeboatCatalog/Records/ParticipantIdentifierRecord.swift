import Foundation
internal import GRDB

/// A row of the `participant_identifier` table: an identifier a node has used.
struct ParticipantIdentifierRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "participant_identifier"

    var node: String
    var identifier: String
    var firstUsed: Date

    enum CodingKeys: String, CodingKey {
        case node, identifier
        case firstUsed = "first_used"
    }

    /// The table's columns, for the query interface.
    enum Columns {
        static let node = Column(CodingKeys.node)
        static let identifier = Column(CodingKeys.identifier)
        static let firstUsed = Column(CodingKeys.firstUsed)
    }

    /// The public value.
    var use: ParticipantIdentifierUse {
        ParticipantIdentifierUse(node: node, identifier: identifier, firstUsed: firstUsed)
    }
}
