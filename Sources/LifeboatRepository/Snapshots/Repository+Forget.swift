import Foundation
import LifeboatCore
import LifeboatStorage

/// The decision `forget` made for one group of snapshots (same node, kind and paths).
public struct ForgetGroup: Sendable, Codable {
    /// The node the group belongs to, if any.
    public var node: String?
    /// State or identity.
    public var kind: SnapshotKind
    /// The backed-up paths.
    public var paths: [String]
    /// Snapshots kept, newest first, each with the rules that kept it.
    public var keep: [Kept]
    /// Snapshots removed, newest first.
    public var remove: [String]

    /// A kept snapshot and why.
    public struct Kept: Sendable, Codable {
        /// Snapshot id.
        public var id: String
        /// Snapshot time.
        public var time: Date
        /// The rules that chose it, such as `last`, `daily`.
        public var reasons: [String]
    }
}

/// The outcome of `forget`.
public struct ForgetResult: Sendable, Codable {
    /// One decision per group.
    public var groups: [ForgetGroup]
    /// What the prune did, when one ran.
    public var prune: PruneReport?
}

extension Repository {
    /// Removes the snapshots the policy does not keep, per group of node, kind and (unless
    /// `groupByPaths` is false) paths; with `prune`, then deletes the data they alone needed,
    /// all under one exclusive lock.
    public func forget(
        policy: RetentionPolicy, node: String? = nil, kind: SnapshotKind? = nil, dryRun: Bool = false,
        prune: Bool = false, groupByPaths: Bool = true, progress: any ProgressReporter = SilentProgress()
    ) async throws -> ForgetResult {
        try requireReadable("forget snapshots")
        try policy.validate()
        guard !policy.isEmpty else {
            throw LifeboatError(
                .invalidArgument,
                "no keep rule given: pass at least one of --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly (forget never removes everything)"
            )
        }
        return try await withLock(exclusive: !dryRun, operation: "forget") {
            let all = try await self.snapshots().filter {
                (node == nil || $0.snapshot.node == node) && (kind == nil || $0.snapshot.kind == kind)
            }
            var groups: [String: [SnapshotRecord]] = [:]
            for r in all {
                let paths = groupByPaths ? r.snapshot.paths.joined(separator: "\u{0}") : ""
                let key = "\(r.snapshot.node ?? "")\u{0}\(r.snapshot.kind.rawValue)\u{0}\(paths)"
                groups[key, default: []].append(r)
            }
            var result = ForgetResult(groups: [])
            for (_, records) in groups.sorted(by: { $0.key < $1.key }) {
                let decision = policy.apply(to: records, time: { $0.snapshot.time })
                let first = records[0].snapshot
                result.groups.append(
                    ForgetGroup(
                        node: first.node, kind: first.kind, paths: first.paths,
                        keep: decision.reasons.map {
                            ForgetGroup.Kept(id: $0.item.id.hex, time: $0.item.snapshot.time, reasons: $0.matches.map(\.description))
                        },
                        remove: decision.remove.map(\.id.hex)))
                if !dryRun {
                    for r in decision.remove { try await self.storage.delete(ObjectName(.snapshots, r.id.hex)) }
                }
            }
            if prune && !dryRun { result.prune = try await self.pruneLocked(progress: progress) }
            return result
        }
    }
}
