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

    /// What the next run of `node` of `kind` is expected to store in a repository holding
    /// `records`: the largest of its last few runs there (and how many there were), or
    /// `firstRun` before any. Sizing's forecast and this preflight share it.
    package static func expectedStored(
        node: String, kind: SnapshotKind, records: [SnapshotRecord], firstRun: @autoclosure () -> Int64
    ) -> (bytes: Int64, runs: Int) {
        let recent = records.filter { $0.snapshot.node == node && $0.snapshot.kind == kind }
            .sorted { $0.snapshot.time > $1.snapshot.time }.prefix(recentRuns)
        guard let largest = recent.map(\.snapshot.summary.bytesStored).max() else { return (firstRun(), 0) }
        return (largest, recent.count)
    }

    /// What the next backup of `node` needs in a repository holding `records`, margin
    /// included, and why.
    package static func estimate(node: NodeConfiguration, records: [SnapshotRecord]) -> (bytes: Int64, basis: String) {
        let (stored, runs) = expectedStored(node: node.name, kind: .state, records: records, firstRun: Sizing.diskBytes(node) ?? 0)
        let basis =
            runs > 0
            ? "the largest of its last \(runs) backup(s) stored \(ByteText.format(stored))"
            : "its first backup: the stores hold \(ByteText.format(stored)) on disk"
        return (stored + margin, basis)
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
