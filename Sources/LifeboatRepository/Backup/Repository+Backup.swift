import Foundation
import LifeboatCore

/// What a backup run is asked to do beyond its paths.
public struct BackupOptions: Sendable {
    /// Labels stored with the snapshot.
    public var tags: [String] = []
    /// The node the backup belongs to.
    public var node: String?
    /// State or identity.
    public var kind: SnapshotKind = .state
    /// Re-read every file even when size and mtime match the parent snapshot.
    public var forceRead = false
    /// When set, each path is stored under its path relative to this directory, with the
    /// directories in between (a node's datadir layout), instead of under its last component.
    public var root: String?
    /// Entries whose bytes come from a command or memory, archived in this order (a
    /// database the next one depends on goes first) before the paths.
    public var streams: [StreamEntry] = []
    /// Entries archived after everything else (the streams and every path), in this order:
    /// a record of the source taken once its data is captured, such as the node's
    /// diagnostics right after its stores were read. Each path must not collide with a
    /// path or stream.
    public var closingStreams: [StreamEntry] = []

    /// Default options.
    public init() {}
}

/// The outcome of a backup run.
public struct BackupResult: Sendable {
    /// The new snapshot's id.
    public var id: ObjectID
    /// The new snapshot.
    public var snapshot: Snapshot
    /// Files that could not be read (the snapshot is incomplete when non-empty).
    public var warnings: [String]
}

extension Repository {
    /// Backs up `paths` into a new snapshot; the snapshot is written last, only after
    /// every pack and index it needs is stored.
    public func backup(
        paths: [String], options: BackupOptions, progress: any ProgressReporter = SilentProgress()
    ) async throws -> BackupResult {
        for entry in options.streams + options.closingStreams { _ = try entry.components() }
        let streamed = !options.streams.isEmpty || !options.closingStreams.isEmpty
        let absolute = paths.isEmpty && streamed ? [] : try Archiver.normalize(paths, root: options.root)
        return try await withLock(exclusive: false, operation: "backup") {
            let archiver = try await Archiver(repository: self, options: options, paths: absolute, progress: progress)
            do {
                return try await archiver.run()
            } catch {
                // A pack being streamed to storage is removed, not left for a later cleanup.
                await archiver.pack.abandon()
                throw error
            }
        }
    }
}
