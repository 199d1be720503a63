import Foundation
import LifeboatCore

/// One snapshot handled by a copy.
public struct CopiedSnapshot: Sendable, Hashable {
    /// Its id in the source repository.
    public var source: ObjectID
    /// Its id in the target repository.
    public var target: ObjectID
    /// When it was taken.
    public var time: Date
    /// Its node, if any.
    public var node: String?
}

/// The outcome of a copy.
public struct CopyResult: Sendable {
    /// Snapshots written to the target by this run, in order.
    public var copied: [CopiedSnapshot] = []
    /// Snapshots the target already had (copied before), with their ids there.
    public var skipped: [CopiedSnapshot] = []
    /// Blobs the target lacked and received.
    public var blobsAdded = 0
    /// Plaintext bytes of those blobs.
    public var bytesAdded: Int64 = 0
    /// Bytes of packs written to the target.
    public var bytesStored: Int64 = 0
}

extension Repository {
    /// Copies snapshots into `target`, oldest first, sending only the blobs it lacks.
    ///
    /// Each repository has its own master key, so blob ids (keyed hashes) differ: every
    /// chunk is decrypted with this repository's key, re-identified and sealed with the
    /// target's, and trees and chunk lists are rewritten with the target's ids. Chunks of
    /// a file whose source ids were mapped by an earlier copy are not read again. A snapshot
    /// is skipped when the target already holds a copy of it (its `origin`), and each
    /// copy's manifest is written only after its packs and index are stored.
    public func copy(
        _ snapshots: [SnapshotRecord], to target: Repository, progress: any ProgressReporter = SilentProgress()
    ) async throws -> CopyResult {
        guard target.config.id != config.id else {
            throw LifeboatError(
                .invalidArgument, "\(storage.location) and \(target.storage.location) are the same repository; copy needs two")
        }
        let ordered = snapshots.sorted { ($0.snapshot.time, $0.id) < ($1.snapshot.time, $1.id) }
        return try await withLock(exclusive: false, operation: "copy") {
            try await target.withLock(exclusive: false, operation: "copy") {
                let copier = try await SnapshotCopier(source: self, target: target, progress: progress)
                return try await copier.run(ordered)
            }
        }
    }
}
