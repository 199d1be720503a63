import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// Records that `node` uses Canton participant identifier `identifier` from now on.
    ///
    /// Canton refuses a restored participant that reuses an identifier the node had
    /// before, so the restore kit calls this before it restores, and a second call with
    /// the same pair fails. Another node may use the same identifier: its namespace differs.
    /// - Throws: `.alreadyExists` naming the identifier, the node and when it was first used.
    @discardableResult
    public func recordParticipantIdentifier(
        node: String, identifier: String, now: Date = Date()
    ) async throws -> ParticipantIdentifierUse {
        let node = try CatalogArgument.node(node)
        guard !identifier.isEmpty else {
            throw LifeboatError(.invalidArgument, "the participant identifier for node \(node) is empty")
        }
        return try await write("recording participant identifier \(identifier) for node \(node)") { db in
            if let used = try Self.participantIdentifier(db, node: node, identifier: identifier) {
                throw LifeboatError(
                    .alreadyExists,
                    "participant identifier \(identifier) was already used by node \(node) on \(ISO8601.format(used.firstUsed)); choose a new one"
                )
            }
            let record = ParticipantIdentifierRecord(node: node, identifier: identifier, firstUsed: now)
            try record.insert(db)
            // Read back so the date is what later reads return (stored to the millisecond).
            return try Self.participantIdentifier(db, node: node, identifier: identifier)?.use ?? record.use
        }
    }

    /// When `node` first used `identifier`, or nil if it never did.
    public func participantIdentifierUse(node: String, identifier: String) async throws -> ParticipantIdentifierUse? {
        try await read("looking up participant identifier \(identifier) of node \(node)") { db in
            try Self.participantIdentifier(db, node: node, identifier: identifier)?.use
        }
    }

    /// Every participant identifier `node` has used, oldest first.
    public func usedParticipantIdentifiers(node: String) async throws -> [ParticipantIdentifierUse] {
        try await read("listing participant identifiers of node \(node)") { db in
            try ParticipantIdentifierRecord
                .filter(ParticipantIdentifierRecord.Columns.node == node)
                .order(ParticipantIdentifierRecord.Columns.firstUsed, ParticipantIdentifierRecord.Columns.identifier)
                .fetchAll(db)
                .map(\.use)
        }
    }

    private static func participantIdentifier(
        _ db: Database, node: String, identifier: String
    ) throws
        -> ParticipantIdentifierRecord?
    {
        try ParticipantIdentifierRecord.fetchOne(db, key: ["node": node, "identifier": identifier])
    }
}
