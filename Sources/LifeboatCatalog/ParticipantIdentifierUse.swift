import Foundation

/// A Canton participant identifier a node has used, and since when.
///
/// Canton refuses a restored participant that reuses an identifier, so the restore kit
/// records each one and refuses to hand out one again (see
/// ``Catalog/recordParticipantIdentifier(node:identifier:now:)``).
public struct ParticipantIdentifierUse: Sendable, Hashable {
    /// The node that used it.
    public var node: String
    /// The identifier, such as `validator-restored-2`.
    public var identifier: String
    /// When the catalog first recorded it.
    public var firstUsed: Date
}
