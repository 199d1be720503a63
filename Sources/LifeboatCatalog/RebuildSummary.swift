/// What ``Catalog/rebuild(from:)`` changed, for the log line the daemon writes.
public struct RebuildSummary: Sendable, Hashable {
    /// Jobs created for snapshots the catalog did not know.
    public var jobsCreated: Int
    /// Repositories added to jobs the catalog knew, because the snapshot was found in another one.
    public var repositoriesAdded: Int
    /// Snapshots skipped because they name no node.
    public var snapshotsWithoutNode: Int
}
