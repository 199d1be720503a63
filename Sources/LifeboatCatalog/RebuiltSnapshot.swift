import Foundation
import LifeboatCore

/// A snapshot found in a repository, from which ``Catalog/rebuild(from:)`` recreates a job.
public struct RebuiltSnapshot: Sendable, Hashable {
    /// The snapshot id, 64 hex characters.
    public var id: String
    /// The node it belongs to; a snapshot without one was not taken by a node job and is skipped.
    public var node: String?
    /// `state` becomes a `backup` job, `identity` an `identity` job.
    public var kind: SnapshotKind
    /// When it was taken.
    public var time: Date
    /// Its size in bytes, as the snapshot records it.
    public var bytes: Int64
    /// The repository it was listed from (its URL or path as the config names it).
    public var repository: String

    /// Creates a description of a listed snapshot.
    public init(id: String, node: String?, kind: SnapshotKind, time: Date, bytes: Int64, repository: String) {
        self.id = id
        self.node = node
        self.kind = kind
        self.time = time
        self.bytes = bytes
        self.repository = repository
    }
}
