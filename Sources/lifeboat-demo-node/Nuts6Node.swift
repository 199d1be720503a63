import Crypto
import Foundation
import Hummingbird
import LifeboatCore

/// The nuts6 profile: a Nuts 6 datadir as the Nuts 6 storage documentation lays it out. DID
/// documents and credentials in the SQL database's default, SQLite in `sqlite.db` (WAL mode)
/// in the datadir; private keys in `crypto/`; trusted issuers in `vcr/trusted_issuers.yaml`.
/// No reprocess endpoint: a Nuts 6 restore replays nothing.
final class Nuts6Node: Sendable {
    /// The node's datadir.
    let datadir: String
    /// The release imitated (reported in the diagnostics).
    let version: String
    /// `sqlite.db`.
    let database: SQLiteDatabase
    /// The write workload.
    let workload: Workload

    /// Prepares the datadir and opens `sqlite.db`, seeding `seed` DIDs (each with a credential) when it is empty.
    init(datadir: String, version: String, workload: Workload, seed: Int) throws {
        self.datadir = datadir
        self.version = version
        self.workload = workload
        // Like a real node it writes on after a restore: nothing holds its writes.
        try NutsDatadir.prepare(datadir)
        database = try SQLiteDatabase(path: datadir + "/sqlite.db")
        try database.execute(
            "CREATE TABLE IF NOT EXISTS did_document (id INTEGER PRIMARY KEY, did TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, document BLOB NOT NULL)"
        )
        try database.execute(
            "CREATE TABLE IF NOT EXISTS credential (id INTEGER PRIMARY KEY, credential_id TEXT NOT NULL UNIQUE, subject_did TEXT NOT NULL, document BLOB NOT NULL)"
        )
        if try count("did_document") == 0 {
            for tick in 0..<seed { try write(tick: tick) }
        }
    }

    /// One workload step: a DID document and the credential issued to it, in one transaction,
    /// so a consistent copy always holds as many credentials as documents.
    func write(tick: Int) throws {
        let did = "did:web:example.com:iam:\(randomHex(12))"
        let document = Array("{\"id\":\"\(did)\",\"tick\":\(tick)}".utf8)
        try database.transaction { run in
            _ = try run("INSERT INTO did_document (did, version, document) VALUES (?, 1, ?)", [.text(did), .blob(document)])
            _ = try run(
                "INSERT INTO credential (credential_id, subject_did, document) VALUES (?, ?, ?)",
                [.text(did + "#" + randomHex(8)), .text(did), .blob(randomBytes(192))])
        }
    }

    func count(_ table: String) throws -> Int {
        Int(try database.execute("SELECT count(*) FROM \(table)").first?.first?.integer ?? 0)
    }

    /// The diagnostics: counts, a digest per table, the trusted issuers' hash and one content hash.
    func diagnostics() throws -> [String: Any] {
        let documents = StoreDigest(rows: try database.execute("SELECT * FROM did_document ORDER BY id"))
        let credentials = StoreDigest(rows: try database.execute("SELECT * FROM credential ORDER BY id"))
        let issuers = StoreDigest.file(datadir + "/vcr/trusted_issuers.yaml")
        let hashes = [
            "sqlite.db/did_document": documents.sha256, "sqlite.db/credential": credentials.sha256, "vcr/trusted_issuers.yaml": issuers,
        ]
        return [
            "profile": "nuts6",
            "nuts_version": version,
            "vdr": ["did_documents_count": documents.rows],
            "vcr": ["credential_count": credentials.rows],
            "stores": [
                "sqlite.db": [
                    "did_document": ["rows": documents.rows, "sha256": documents.sha256],
                    "credential": ["rows": credentials.rows, "sha256": credentials.sha256],
                ],
                "vcr/trusted_issuers.yaml": ["sha256": issuers],
            ],
            "content_hash": StoreDigest.combine(hashes),
        ]
    }

    /// The demo's own state endpoint.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/internal/demo/v1/state") { _, _ in Reply.json(["workload": self.workload.status()]) }
    }

    /// Makes `sqlite.db` durable and closes it.
    func close() { database.checkpointAndClose() }
}
