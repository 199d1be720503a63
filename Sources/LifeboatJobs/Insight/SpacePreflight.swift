import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatRepository

/// Before a backup writes anything: will it fit? The run is expected to store as much as the
/// largest of the node's last few backups in that repository (before its first one, the
/// size of its stores on disk, uncompressed), plus a margin for the pack being filled, the
/// index and the snapshot. A directory repository whose file system has less free space
/// refuses the run up front with a `.noSpace` error that says what it needs and has.
package enum SpacePreflight {
    /// Room for the pack in flight, its index file and the snapshot manifest.
    package static let margin: Int64 = 16 << 20

    /// How many recent backups guide the estimate.
    static let recentRuns = 5

    /// What the next backup of `node` into `repository` is expected to store, and why.
    package static func estimate(node: NodeConfiguration, records: [SnapshotRecord]) -> (bytes: Int64, basis: String) {
        let recent = records.filter { $0.snapshot.node == node.name && $0.snapshot.kind == .state }
            .sorted { $0.snapshot.time > $1.snapshot.time }.prefix(recentRuns)
        if let largest = recent.map(\.snapshot.summary.bytesStored).max() {
            return (largest + margin, "the largest of its last \(recent.count) backup(s) stored \(ByteText.format(largest))")
        }
        let disk = Sizing.diskBytes(node) ?? 0
        return (disk + margin, "its first backup: the stores hold \(ByteText.format(disk)) on disk")
    }

    /// Throws `.noSpace` when a directory repository's file system cannot hold `node`'s next
    /// backup; does nothing for S3 (no free space to ask) or when the space cannot be read.
    package static func check(node: NodeConfiguration, repository: RepositoryConfiguration, records: [SnapshotRecord]) throws {
        guard repository.kind == .directory, let space = FreeSpace.of(repository.url) else { return }
        let (needed, basis) = estimate(node: node, records: records)
        guard needed > space.free else { return }
        throw LifeboatError(
            .noSpace,
            "not started, nothing written: the backup of node \(node.name) is expected to need about \(ByteText.format(needed)) "
                + "(\(basis), plus \(ByteText.format(margin)) of margin) but the file system of repository \(repository.name) "
                + "(\(repository.url)) has \(ByteText.format(space.free)) free; free space there, or forget old backups and prune")
    }

    /// The free bytes at which the doctor warns: a tenth of the file system, or twice the
    /// next run's expected size, whichever is more.
    package static func warningThreshold(capacity: Int64, nextRun: Int64) -> Int64 {
        max(capacity / 10, 2 * nextRun)
    }
}
