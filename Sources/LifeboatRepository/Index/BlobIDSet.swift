import LifeboatCore

/// A set of blob ids in memory that does not grow with the repository: a ``ChunkIndex``
/// with no packs of its own (recent ids in its fixed table, older ones in sorted runs on
/// disk behind its Bloom filter). Like the index it keys 96 bits of an id, so two distinct
/// keyed ids could share a key with a chance of about 2^-96 a pair; prune, its user, would
/// then keep a blob it could have dropped, never drop one it needs.
struct BlobIDSet: Sendable {
    private var index: ChunkIndex
    private static let noPack = [UInt8](repeating: 0, count: 32).withUnsafeBytes { ObjectID(raw: $0) }

    /// An empty set expecting about `capacity` ids.
    init(capacity: Int) {
        index = ChunkIndex(capacity: capacity)
    }

    /// Distinct ids held.
    var count: Int { index.count }

    func contains(_ id: ObjectID) throws -> Bool { try index.contains(id) }

    /// Adds `id`; true when it was not there yet.
    @discardableResult
    mutating func insert(_ id: ObjectID) throws -> Bool {
        let before = index.count
        try index.insert(PackEntry(type: .data, id: id, offset: 0, length: 0, rawLength: 0), pack: Self.noPack)
        return index.count > before
    }
}
