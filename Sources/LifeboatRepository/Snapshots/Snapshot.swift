import Foundation
import LifeboatCore

/// A snapshot manifest: the commit point of one backup. It is written last, so a
/// snapshot that can be listed has all its data stored.
public struct Snapshot: Codable, Sendable, Hashable {
    /// Manifest format version.
    public var version: Int = 1
    /// When the backup started.
    public var time: Date
    /// The host that took it.
    public var host: String
    /// The user that took it.
    public var username: String
    /// Free-form labels given with `--tag`.
    public var tags: [String]
    /// The node this backup belongs to, if given.
    public var node: String?
    /// State (data stores) or identity (keys).
    public var kind: SnapshotKind
    /// The absolute paths that were backed up, in the order given.
    public var paths: [String]
    /// The root tree: one entry per backed-up path, named by its last component.
    public var tree: ObjectID
    /// The snapshot this one was compared against, if any.
    public var parent: ObjectID?
    /// Counts and sizes of this run.
    public var summary: Summary
    /// The program that wrote it.
    public var program: String
    /// Entries streamed from commands (e.g. database dumps), by their path in the tree.
    public var streams: [String]? = nil
    /// Where this snapshot was copied from, when `lifeboat copy` wrote it.
    public var origin: Origin? = nil

    /// The repository and snapshot a copy was made from.
    public struct Origin: Codable, Sendable, Hashable {
        /// The source repository's id (from its config).
        public var repository: String
        /// The snapshot's id in the source repository.
        public var snapshot: ObjectID

        /// Creates an origin.
        public init(repository: String, snapshot: ObjectID) {
            self.repository = repository
            self.snapshot = snapshot
        }
    }

    /// What a backup run did.
    public struct Summary: Codable, Sendable, Hashable {
        /// Regular files in the snapshot.
        public var files: Int = 0
        /// Directories in the snapshot.
        public var directories: Int = 0
        /// Logical bytes of all files.
        public var bytes: Int64 = 0
        /// Files whose content was read (not reused from the parent).
        public var filesRead: Int = 0
        /// Blobs stored new by this run.
        public var blobsAdded: Int = 0
        /// Plaintext bytes of the new blobs.
        public var bytesAdded: Int64 = 0
        /// Bytes of new packs written to storage.
        public var bytesStored: Int64 = 0
        /// Wall time of the run in seconds.
        public var seconds: Double = 0

        /// An empty summary.
        public init() {}
    }
}

/// A snapshot together with its id (the SHA-256 of its stored bytes).
public struct SnapshotRecord: Sendable, Hashable {
    /// The snapshot's id.
    public var id: ObjectID
    /// Its manifest.
    public var snapshot: Snapshot

    /// Pairs an id with its manifest.
    public init(id: ObjectID, snapshot: Snapshot) {
        self.id = id
        self.snapshot = snapshot
    }
}

/// A snapshot manifest that is stored but cannot be read, and why.
public struct DamagedSnapshot: Sendable, Hashable {
    /// The manifest's name.
    public var id: ObjectID
    /// What is wrong with it, naming the object.
    public var reason: String
}

/// The snapshot manifests of a repository, readable and damaged.
public struct SnapshotListing: Sendable {
    /// The readable snapshots, oldest first.
    public var records: [SnapshotRecord] = []
    /// The manifests that cannot be read, by id.
    public var damaged: [DamagedSnapshot] = []
}
