import Foundation
import LifeboatConfig

/// What a profile knows about a kind of node (facts from the Nuts and Splice sources).
public enum NodeProfiles {
    /// The datadir entries a Nuts restore moves aside before putting the backup in place.
    public static let nutsDatadirEntries = ["events", "network", "vcr", "vdr"]

    /// The datadir entries a Nuts 6 restore moves aside: the Nuts 5 module directories (the
    /// did:nuts stores and `vcr/trusted_issuers.yaml` live there still) and the SQL database
    /// `sqlite.db` with its write-ahead log and index, which must never meet another copy's.
    public static let nuts6DatadirEntries = nutsDatadirEntries + sqliteCompanions("sqlite.db")

    /// A SQLite database's file with its `-wal` and `-shm` files, which belong to that copy only.
    static func sqliteCompanions(_ path: String) -> [String] { [path, path + "-wal", path + "-shm"] }

    /// The content types a Nuts node must reprocess after a restore, per version:
    /// 5.0 needs VCs and revocations, 5.1–5.3 add DID documents, 5.4 needs none.
    public static func nutsReprocessTypes(version: String) -> [String] {
        switch version {
        case "5.0": ["application/vc+json", "application/ld+json;type=revocation"]
        case "5.1", "5.2", "5.3": ["application/vc+json", "application/ld+json;type=revocation", "application/did+json"]
        default: []
        }
    }

    /// A query value escaped as the Nuts API needs it: `+` as `%2B`, `;` as `%3B`.
    public static func escapeQueryValue(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// The datadir entries a restore of this node replaces.
    public static func replacedEntries(_ node: NodeConfiguration) -> [String] {
        switch node.profile {
        case .nuts: nutsDatadirEntries
        case .nuts6: nuts6DatadirEntries
        case .generic, .canton:
            // The top-level entries of the node's stores inside its datadir; a SQLite file at
            // the top brings its -wal and -shm along, so a stale log is never replayed into the restored copy.
            Array(
                Set(
                    node.stores.flatMap { store -> [String] in
                        guard let path = store.path, !path.hasPrefix("/"), let top = path.split(separator: "/").first.map(String.init)
                        else { return [] }
                        if case .sqlite = store, top == path { return sqliteCompanions(top) }
                        return [top]
                    })
            ).sorted()
        }
    }

    /// The reprocess calls a node needs after a restore; Nuts 6 needs none (its storage
    /// documentation's restore is the SQL database and the key store, nothing to replay).
    public static func reprocessTypes(_ node: NodeConfiguration) -> [String] {
        node.profile == .nuts ? nutsReprocessTypes(version: node.version ?? "5.4") : []
    }
}
