import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository

/// MySQL/MariaDB stores in the restore runbook: the client the restore needs, checked before
/// the node is stopped, and each database's dump fed to it in the declared order.
extension NodeRestoreRunbook {
    /// `mariadb (or mysql)` when the node has a MySQL store and neither client is installed.
    /// `installed` finds the first of some tools on PATH (replaceable in tests).
    static func missingMySQLClient(
        _ node: NodeConfiguration, installed: ([String]) -> String? = MySQLConnection.installed
    ) -> [String] {
        let hasMySQL = node.stores.contains { if case .mysql = $0 { true } else { false } }
        guard hasMySQL, installed(MySQLConnection.clientTools) == nil else { return [] }
        return [MySQLConnection.clientTools.joined(separator: " (or ") + ")"]
    }

    /// The MySQL stores of `node` with their entry prefixes (`mysql`, `mysql-2`, …), in declared order.
    static func mysqlStores(_ node: NodeConfiguration) -> [(store: MySQLStore, prefix: String)] {
        var out: [(MySQLStore, String)] = []
        for case .mysql(let store) in node.stores { out.append((store, out.isEmpty ? "mysql" : "mysql-\(out.count + 1)")) }
        return out
    }

    /// Why the backup cannot restore a MySQL store of `node` (it holds no dump for it), or nil.
    static func missingMySQLDump(node: NodeConfiguration, record: SnapshotRecord) -> String? {
        for (store, prefix) in mysqlStores(node) {
            let path = MySQLStoreClient(store: store).dumpPath(prefix: prefix)
            if record.snapshot.streams?.contains(path) != true {
                return
                    "backup \(record.id.short) holds no MySQL dump \(path) for the store \(store.url); it was taken before the store was listed"
            }
        }
        return nil
    }

    /// Fails the check step when the backup lacks the dump of a MySQL store, before the node is stopped.
    func checkMySQLDumps(_ record: SnapshotRecord) throws {
        if let problem = Self.missingMySQLDump(node: node, record: record) { throw LifeboatError(.notFound, problem) }
    }

    /// Restores the `index`th (from 1) MySQL store from the backup's `mysql[-N]/` entry.
    func restoreMySQL(_ store: MySQLStore, index: Int, record: SnapshotRecord) async throws -> String {
        let prefix = index == 1 ? "mysql" : "mysql-\(index)"
        let client = MySQLStoreClient(store: store)
        let report = try await client.restore(from: repository, snapshot: record, prefix: prefix)
        return
            "MySQL database \(report.name)\(report.created ? " (created again: the server had lost it)" : ""), \(report.tables.count) tables"
    }
}
