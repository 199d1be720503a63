import LifeboatShelf

/// The Nuts stores as SQLite files in WAL mode (the demo node's default `--store-format sqlite`).
final class SQLiteNutsStorage: NutsStorage {
    /// `network/data.db`: every transaction of the network, by content type.
    let network: SQLiteDatabase
    /// `vdr/didstore.db`: the DID documents, updated in place.
    let didStore: SQLiteDatabase
    /// `vcr/<name>.db` for each of the version's credential backup stores.
    let credentialStores: [String: SQLiteDatabase]
    /// `vcr/credentials.db`: the search index of the content types the node indexes.
    let index: SQLiteDatabase
    private let credentialNames: [String]

    /// Opens (creating) every store of `version` under `datadir`.
    init(datadir: String, version: NutsVersion) throws {
        network = try SQLiteDatabase(path: datadir + "/network/data.db")
        try network.execute(
            "CREATE TABLE IF NOT EXISTS transactions (seq INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, type TEXT NOT NULL, payload BLOB NOT NULL)"
        )
        didStore = try SQLiteDatabase(path: datadir + "/vdr/didstore.db")
        try didStore.execute(
            "CREATE TABLE IF NOT EXISTS documents (did TEXT PRIMARY KEY, version INTEGER NOT NULL, document BLOB NOT NULL)")
        var stores: [String: SQLiteDatabase] = [:]
        for name in version.credentialStores {
            let store = try SQLiteDatabase(path: datadir + "/vcr/\(name).db")
            try store.execute("CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY, type TEXT NOT NULL, document BLOB NOT NULL)")
            stores[name] = store
        }
        credentialStores = stores
        credentialNames = version.credentialStores
        index = try SQLiteDatabase(path: datadir + "/vcr/credentials.db")
        try index.execute("CREATE TABLE IF NOT EXISTS indexed (ref TEXT PRIMARY KEY, type TEXT NOT NULL)")
    }

    func appendTransaction(ref: String, type: String, payload: [UInt8]) throws {
        try network.execute("INSERT INTO transactions (ref, type, payload) VALUES (?, ?, ?)", [.text(ref), .text(type), .blob(payload)])
    }

    func transactionCount() throws -> Int {
        Int(try network.execute("SELECT count(*) FROM transactions").first?.first?.integer ?? 0)
    }

    func transactionRefs(type: String?) throws -> [String] {
        let rows =
            if let type {
                try network.execute("SELECT ref FROM transactions WHERE type = ? ORDER BY seq", [.text(type)])
            } else {
                try network.execute("SELECT ref FROM transactions ORDER BY seq")
            }
        return rows.map { $0[0].text }
    }

    func addCredential(store: String, id: String, type: String, document: [UInt8]) throws {
        try credentialStores[store]?.execute(
            "INSERT INTO entries (id, type, document) VALUES (?, ?, ?)", [.text(id), .text(type), .blob(document)])
    }

    func updateRandomDocument(_ document: [UInt8]) throws -> Bool {
        guard let did = try didStore.execute("SELECT did FROM documents ORDER BY random() LIMIT 1").first?.first?.text else { return false }
        try didStore.execute("UPDATE documents SET version = version + 1, document = ? WHERE did = ?", [.blob(document), .text(did)])
        return true
    }

    func insertDocument(did: String, document: [UInt8]) throws {
        try didStore.execute("INSERT INTO documents (did, version, document) VALUES (?, 1, ?)", [.text(did), .blob(document)])
    }

    func index(ref: String, type: String) throws {
        try index.execute("INSERT OR REPLACE INTO indexed (ref, type) VALUES (?, ?)", [.text(ref), .text(type)])
    }

    func replaceIndex(type: String, refs: [String]) throws {
        try index.transaction { run in
            _ = try run("DELETE FROM indexed WHERE type = ?", [.text(type)])
            for ref in refs { _ = try run("INSERT INTO indexed (ref, type) VALUES (?, ?)", [.text(ref), .text(type)]) }
        }
    }

    func indexedCount(type: String) throws -> Int {
        Int(try index.execute("SELECT count(*) FROM indexed WHERE type = ?", [.text(type)]).first?.first?.integer ?? 0)
    }

    func rows(of relativePath: String) throws -> [[SQLiteValue]]? {
        switch relativePath {
        case "network/data.db": return try network.execute("SELECT * FROM transactions ORDER BY seq")
        case "vdr/didstore.db": return try didStore.execute("SELECT * FROM documents ORDER BY did")
        default:
            guard let store = credentialStores[String(relativePath.dropFirst(4).dropLast(3))] else { return nil }
            return try store.execute("SELECT * FROM entries ORDER BY id")
        }
    }

    var shelfStores: [ShelfStore] {
        [ShelfStore.sqlite(module: "network", name: "data", database: network.path)]
            + credentialNames.compactMap { name in
                credentialStores[name].map { ShelfStore.sqlite(module: "vcr", name: name, database: $0.path) }
            } + [ShelfStore.sqlite(module: "vdr", name: "didstore", database: didStore.path)]
    }

    func close() {
        for database in [network, didStore, index] + credentialNames.compactMap({ credentialStores[$0] }) {
            database.checkpointAndClose()
        }
    }
}
