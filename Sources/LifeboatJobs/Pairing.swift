import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore

/// Full disaster recovery needs both halves: a state backup and an identity dump taken
/// within each other's expected period. This finds nodes where one lacks the other.
package enum Pairing {
    /// Why the node's latest state backup and identity dump do not pair up; empty when they do
    /// (or the node does not schedule both).
    package static func problems(node: NodeConfiguration, daemon: Daemon, now: Date) async -> [String] {
        guard let backups = await daemon.scheduler.plan(node: node.name, kind: .backup),
            let identity = await daemon.scheduler.plan(node: node.name, kind: .identity)
        else { return [] }
        let lastBackup = try? await daemon.catalog.lastJob(node: node.name, kind: .backup, state: .completed)
        let lastDump = try? await daemon.catalog.lastJob(node: node.name, kind: .identity, state: .completed)
        let backupPeriod = backups.schedule.expectedPeriod(now: now) ?? 86_400
        let dumpPeriod = identity.schedule.expectedPeriod(now: now) ?? 86_400
        var out: [String] = []
        let b = lastBackup?.endedAt
        let d = lastDump?.endedAt
        if let b, d.map({ b.timeIntervalSince($0) > dumpPeriod + 60 }) ?? true {
            out.append(
                "the latest state backup (\(ISO8601.format(b))) has no identity dump within its expected period (\(Int(dumpPeriod)) s): a restore could not recover the node's keys"
            )
        }
        if let d, b.map({ d.timeIntervalSince($0) > backupPeriod + 60 }) ?? true {
            out.append(
                "the latest identity dump (\(ISO8601.format(d))) has no state backup within its expected period (\(Int(backupPeriod)) s): keys alone do not restore the node's data"
            )
        }
        return out
    }
}
