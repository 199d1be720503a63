import Crypto
import Foundation
import LifeboatShelf

/// The Nuts profile's SQLite stores: the network DAG, the credential backup stores, the DID
/// store, and the credential search index (rebuilt by reprocessing, never restored).
final class NutsStores: Sendable {
    /// The version whose file list this node keeps.
    let version: NutsVersion
    /// `network/data.db`: every transaction of the network, by content type.
    let network: SQLiteDatabase
    /// `vdr/didstore.db`: the DID documents, updated in place.
    let didStore: SQLiteDatabase
    /// `vcr/<name>.db` for each of the version's credential backup stores.
    let credentialStores: [String: SQLiteDatabase]
    /// `vcr/credentials.db`: the search index of the content types the node indexes.
    let index: SQLiteDatabase

    /// Opens (creating) every store of `version` under `datadir`.
    init(datadir: String, version: NutsVersion) throws {
        self.version = version
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
        index = try SQLiteDatabase(path: datadir + "/vcr/credentials.db")
        try index.execute("CREATE TABLE IF NOT EXISTS indexed (ref TEXT PRIMARY KEY, type TEXT NOT NULL)")
    }

    /// The content types the search index covers: what this version reprocesses (5.4: credentials
    /// and revocations, rebuilt from its backup stores at start instead).
    var indexedTypes: [String] {
        version.reprocessTypes.isEmpty ? [NutsVersion.credentialType, NutsVersion.revocationType] : version.reprocessTypes
    }

    /// Every database, for shutdown.
    var all: [SQLiteDatabase] { [network, didStore, index] + credentialStores.keys.sorted().compactMap { credentialStores[$0] } }

    /// The shelf's stores: the ones a restore copies back (not the search index).
    var shelfStores: [ShelfStore] {
        [ShelfStore.sqlite(module: "network", name: "data", database: network.path)]
            + version.credentialStores.compactMap { name in
                credentialStores[name].map { ShelfStore.sqlite(module: "vcr", name: name, database: $0.path) }
            } + [ShelfStore.sqlite(module: "vdr", name: "didstore", database: didStore.path)]
    }

    /// The database behind a datadir-relative store path.
    func database(for relativePath: String) -> SQLiteDatabase? {
        switch relativePath {
        case "network/data.db": network
        case "vdr/didstore.db": didStore
        default: credentialStores[String(relativePath.dropFirst(4).dropLast(3))]
        }
    }

    /// One unit of node activity: a transaction on the network and its effect on the stores.
    func write(tick: Int, payloadBytes: Int) throws {
        let kinds = [NutsVersion.credentialType, NutsVersion.didType, NutsVersion.credentialType, NutsVersion.revocationType]
        let type = kinds[tick % kinds.count]
        let ref = randomHex(16)
        let payload = randomBytes(payloadBytes)
        try network.execute("INSERT INTO transactions (ref, type, payload) VALUES (?, ?, ?)", [.text(ref), .text(type), .blob(payload)])
        let document = Array("{\"id\":\"\(ref)\",\"type\":\"\(type)\"}".utf8)
        switch type {
        case NutsVersion.credentialType:
            for name in ["backup-issued-credentials", "backup-credentials"] {
                try credentialStores[name]?.execute(
                    "INSERT INTO entries (id, type, document) VALUES (?, ?, ?)",
                    [.text(ref), .text("NutsOrganizationCredential"), .blob(document)])
            }
        case NutsVersion.revocationType:
            try credentialStores["backup-revoked-credentials"]?.execute(
                "INSERT INTO entries (id, type, document) VALUES (?, ?, ?)", [.text(ref), .text("revocation"), .blob(document)])
        default:
            // Every other DID transaction updates an existing document; the rest create one.
            let existing = try didStore.execute("SELECT did FROM documents ORDER BY random() LIMIT 1")
            if (tick / kinds.count) % 2 == 1, let did = existing.first?.first?.text {
                try didStore.execute(
                    "UPDATE documents SET version = version + 1, document = ? WHERE did = ?", [.blob(document), .text(did)])
            } else {
                try didStore.execute(
                    "INSERT INTO documents (did, version, document) VALUES (?, 1, ?)", [.text("did:nuts:\(ref)"), .blob(document)])
            }
        }
        if indexedTypes.contains(type) {
            try index.execute("INSERT OR REPLACE INTO indexed (ref, type) VALUES (?, ?)", [.text(ref), .text(type)])
        }
    }

    /// Rebuilds the search index for one content type from the network's transactions.
    func rebuildIndex(type: String) throws {
        let refs = try network.execute("SELECT ref FROM transactions WHERE type = ? ORDER BY seq", [.text(type)])
        try index.transaction { run in
            _ = try run("DELETE FROM indexed WHERE type = ?", [.text(type)])
            for row in refs {
                _ = try run("INSERT INTO indexed (ref, type) VALUES (?, ?)", [row[0], .text(type)])
            }
        }
    }

    /// How many index entries a content type has.
    func indexedCount(type: String) throws -> Int {
        Int(try index.execute("SELECT count(*) FROM indexed WHERE type = ?", [.text(type)]).first?.first?.integer ?? 0)
    }

    /// The XOR of the SHA-256 of every transaction reference, like Nuts's `dag_xor`.
    func dagXor() throws -> String {
        var xor = [UInt8](repeating: 0, count: 32)
        for row in try network.execute("SELECT ref FROM transactions") {
            for (offset, byte) in SHA256.hash(data: Array(row[0].text.utf8)).enumerated() { xor[offset] ^= byte }
        }
        return xor.map { String(format: "%02x", $0) }.joined()
    }

    /// Checkpoints and closes every database.
    func close() {
        for database in all { database.checkpointAndClose() }
    }
}

/// `count` random bytes.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: count)
    var offset = 0
    while offset < count {
        var word = generator.next()
        for _ in 0..<min(8, count - offset) {
            bytes[offset] = UInt8(truncatingIfNeeded: word)
            word >>= 8
            offset += 1
        }
    }
    return bytes
}

/// `count` random bytes as lowercase hex.
func randomHex(_ count: Int) -> String {
    randomBytes(count).map { String(format: "%02x", $0) }.joined()
}
