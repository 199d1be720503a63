/// The two kinds of backup Lifeboat keeps apart: a node's data stores and its keys.
public enum SnapshotKind: String, Codable, Sendable, CaseIterable {
    /// The node's data stores (databases, files): restorable state.
    case state
    /// The node's private keys and identity material (always encrypted to `age` recipients).
    case identity
}
