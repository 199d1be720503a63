import Foundation

/// The Nuts 6 store list.
///
/// From the Nuts 6 storage documentation (nuts-node `docs/pages/deployment/storage.rst`):
/// DID documents and credentials live in the SQL database `storage.sql.connection` names
/// (PostgreSQL, MySQL, SQL Server or SQLite), by default SQLite in `sqlite.db` in the datadir;
/// private keys in the key store (filesystem `crypto/`, Vault KV v1 or Azure Key Vault);
/// trusted issuers in `vcr/trusted_issuers.yaml`. The did:nuts stores of a node still on the
/// gRPC network stay the Nuts 5 BBolt files, so listing them is not extra; the search
/// indexes are still rebuilt.
extension NutsStoreList {
    /// The Nuts 6 releases the `nuts6` profile knows.
    public static let versions6 = ["6.0", "6.1", "6.2"]

    /// The did:nuts BBolt stores a Nuts 6 node on the gRPC network keeps (its shelf holds
    /// these): the 5.4 list, which Nuts 6 carries on.
    public static var didNutsFiles: [String] { restoreFiles(version: "5.4") }

    /// The SQL database's file in the datadir when `storage.sql.connection` is not set.
    public static let sqliteFile = "sqlite.db"

    /// What a Nuts 6 restore needs: the SQL database, named by its default file.
    public static let sqlDatabase = "the SQL database (\(sqliteFile) in the datadir unless storage.sql.connection names a server)"

    /// How to add the SQL database to a node's stores.
    static let sqlRemedy =
        "add {type: sqlite, path: \(sqliteFile)}, or a postgres or mysql store for the server storage.sql.connection names"

    /// `Nuts 6.1`, or what a node without a version is judged by.
    public static func releaseText(_ node: NodeConfiguration) -> String {
        if let version = node.version { return "Nuts \(version)" }
        return node.profile == .nuts6 ? "every Nuts 6 release (no version given)" : "every Nuts 5 release (no version given)"
    }

    /// A Nuts 6 node's stores against its layout: the SQL database is covered by a SQLite
    /// store at `sqlite.db` (or one outside the datadir, where a connection string may point),
    /// a `dir` store of the whole datadir, or a PostgreSQL or MySQL store.
    static func coverage6(of node: NodeConfiguration) -> Coverage {
        var coverage = Coverage()
        var covered = false
        for store in node.stores {
            switch store {
            case .postgres, .mysql:
                covered = true
            case .sqlite(let path):
                let relative = datadirRelative(path, node: node)
                if relative == sqliteFile || relative.hasPrefix("/") { covered = true }
                if let reason = extraReason6(relative) { coverage.extra.append("\(path) (\(reason))") }
            case .file(let path):
                let relative = datadirRelative(path, node: node)
                // A plain copy of sqlite.db is no consistent capture, so it does not count as one.
                if let reason = extraReason6(relative) { coverage.extra.append("\(path) (\(reason))") }
            case .directory(let path):
                let relative = datadirRelative(path, node: node)
                if relative.isEmpty { covered = true }
                if let reason = notRestored.first(where: { $0.path == relative })?.why { coverage.extra.append("\(path) (\(reason))") }
            case .shelf:
                coverage.viaShelf = true
            case .redis:
                continue
            }
        }
        if !covered { coverage.lacking = [sqlDatabase] }
        return coverage
    }

    /// Why a listed file is no store of a Nuts 6 node, or nil.
    static func extraReason6(_ relative: String) -> String? {
        if let known = notRestored.first(where: { relative == $0.path || relative.hasPrefix($0.path + "/") }) { return known.why }
        if relative == sqliteFile + "-wal" || relative == sqliteFile + "-shm" {
            return "SQLite's write-ahead log and index, captured with \(sqliteFile) by its sqlite store"
        }
        return nil
    }
}
