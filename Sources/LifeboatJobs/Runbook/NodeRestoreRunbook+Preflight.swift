import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatRepository

/// What the runbook's first step checks so that nothing knowable up front fails after the
/// node was stopped and its data moved aside.
extension NodeRestoreRunbook {
    /// The sequencer pruning window of a Splice network: a validator whose state is older
    /// cannot catch up from the sequencer and cannot be restored from it.
    static let sequencerPruningWindow: TimeInterval = 30 * 86_400

    /// Why a Canton/Splice backup cannot restore the validator: older than the sequencer
    /// pruning window, or taken under another migration id than the network's current one.
    static func spliceProblem(node: NodeConfiguration, snapshot: SnapshotRecord, now: Date) -> String? {
        guard node.profile == .canton else { return nil }
        let age = now.timeIntervalSince(snapshot.snapshot.time)
        if age > sequencerPruningWindow {
            return
                "backup \(snapshot.id.short) is \(Int(age / 86_400)) days old, beyond the sequencer pruning window of 30 days: the validator could not catch up from it; restore a newer backup, or recover from the identity dump as a new participant"
        }
        if let current = node.migrationID {
            let recorded = snapshot.snapshot.tags.compactMap { tag -> Int? in
                tag.hasPrefix("migration:") ? Int(tag.dropFirst("migration:".count)) : nil
            }.first
            if let recorded, recorded != current {
                return
                    "backup \(snapshot.id.short) was taken under migration id \(recorded), the network is at migration id \(current): its databases belong to the previous synchronizer; restore a backup taken since the migration"
            }
        }
        return nil
    }

    /// The command-line tools the restore of the node's stores runs that are not in any
    /// directory of `searchPath` (the daemon's PATH unless given).
    static func missingTools(_ node: NodeConfiguration, searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) -> [String] {
        var tools: [String] = []
        for store in node.stores {
            switch store {
            case .postgres: tools += ["pg_restore", "psql"]
            case .redis: tools.append("redis-cli")
            default: continue
            }
        }
        let directories = (searchPath ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        return tools.uniquedInOrder().filter { tool in
            !directories.contains { FileManager.default.isExecutableFile(atPath: $0 + "/" + tool) }
        } + missingMySQLClient(node)
    }
}

extension Array where Element: Hashable {
    /// The elements in their first order, each once.
    fileprivate func uniquedInOrder() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
