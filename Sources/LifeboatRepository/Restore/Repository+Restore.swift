import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

extension Repository {
    /// Restores a snapshot into a directory; each file is checked against its recorded
    /// SHA-256 before it is renamed into place, so a damaged file is never left behind.
    public func restore(
        _ snapshot: SnapshotRecord, options: RestoreOptions, progress: any ProgressReporter = SilentProgress()
    ) async throws -> RestoreResult {
        let target = URL(fileURLWithPath: options.target).standardizedFileURL.path
        try Restorer.prepareTarget(target, force: options.force)
        let restorer = Restorer(repo: self, index: try await loadIndex(), options: options, target: target, progress: progress)
        let root = try await loadTree(snapshot.snapshot.tree, index: restorer.index)
        restorer.total = snapshot.snapshot.summary.bytes
        try await restorer.restore(tree: root, into: target, relative: "")
        return restorer.result
    }
}
