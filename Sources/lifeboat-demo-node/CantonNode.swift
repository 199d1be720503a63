import Crypto
import Foundation
import Hummingbird
import LifeboatShelf

/// The Canton profile: a stand-in Splice validator whose state is two databases (the validator
/// app's and the participant's; SQLite here, PostgreSQL in a real deployment) and whose
/// participant identity is served as a `NodeIdentitiesDump`.
final class CantonNode: Sendable {
    /// The validator app's database, `validator/validator.db`.
    let validator: SQLiteDatabase
    /// The participant's database, `participant/participant.db` (identity, keys, topology, contracts).
    let participant: SQLiteDatabase
    /// The write workload.
    let workload: Workload
    /// The bearer token the admin API requires (never logged or returned).
    private let adminToken: String
    /// Serve the older dump form with `bootstrapTxs` instead of `authorizedStoreSnapshot`.
    private let legacyDump: Bool
    /// Answer 404 on the identities endpoint, as seen after some upgrades.
    private let identitiesMissing: Bool

    /// Opens both databases under `datadir`, creating the participant's identity once.
    init(datadir: String, workload: Workload, adminToken: String, legacyDump: Bool, identitiesMissing: Bool) throws {
        self.workload = workload
        self.adminToken = adminToken
        self.legacyDump = legacyDump
        self.identitiesMissing = identitiesMissing
        for module in ["validator", "participant"] {
            try FileManager.default.createDirectory(
                atPath: datadir + "/" + module, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        validator = try SQLiteDatabase(path: datadir + "/validator/validator.db")
        try validator.execute("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, party TEXT NOT NULL)")
        try validator.execute("CREATE TABLE IF NOT EXISTS balances (party TEXT PRIMARY KEY, amount INTEGER NOT NULL)")
        participant = try SQLiteDatabase(path: datadir + "/participant/participant.db")
        try participant.execute("CREATE TABLE IF NOT EXISTS identity (uid TEXT PRIMARY KEY)")
        try participant.execute("CREATE TABLE IF NOT EXISTS keys (name TEXT PRIMARY KEY, key_pair BLOB NOT NULL)")
        try participant.execute("CREATE TABLE IF NOT EXISTS topology (seq INTEGER PRIMARY KEY, tx BLOB NOT NULL)")
        try participant.execute("CREATE TABLE IF NOT EXISTS contracts (id TEXT PRIMARY KEY, party TEXT NOT NULL, amount INTEGER NOT NULL)")
        if try participant.execute("SELECT uid FROM identity").isEmpty { try createIdentity() }
    }

    /// The shelf's stores, the validator app's first (it must be captured before the participant's).
    var shelfStores: [ShelfStore] {
        [
            .sqlite(module: "validator", name: "validator", database: validator.path),
            .sqlite(module: "participant", name: "participant", database: participant.path),
        ]
    }

    /// One workload step: a transfer recorded by the participant and the validator app.
    func write(tick: Int) throws {
        let party = "party-\(tick % 7)::1220\(randomHex(4))"
        let amount = Int64(tick % 97 + 1)
        try participant.execute(
            "INSERT INTO contracts (id, party, amount) VALUES (?, ?, ?)", [.text(randomHex(16)), .text(party), .integer(amount)])
        try validator.execute("INSERT OR IGNORE INTO users (name, party) VALUES (?, ?)", [.text("user-\(tick % 7)"), .text(party)])
        try validator.execute(
            "INSERT INTO balances (party, amount) VALUES (?, ?) ON CONFLICT(party) DO UPDATE SET amount = amount + excluded.amount",
            [.text("party-\(tick % 7)"), .integer(amount)])
    }

    /// Counts and hashes of both databases.
    func diagnostics() throws -> [String: Any] {
        let tables: [(String, SQLiteDatabase, String, String)] = [
            ("validator/validator.db#users", validator, "users", "name"),
            ("validator/validator.db#balances", validator, "balances", "party"),
            ("participant/participant.db#identity", participant, "identity", "uid"),
            ("participant/participant.db#keys", participant, "keys", "name"),
            ("participant/participant.db#topology", participant, "topology", "seq"),
            ("participant/participant.db#contracts", participant, "contracts", "id"),
        ]
        var digests: [String: Any] = [:]
        var hashes: [String: String] = [:]
        for (name, database, table, order) in tables {
            let digest = try StoreDigest(database, table: table, orderBy: order)
            digests[name] = ["rows": digest.rows, "sha256": digest.sha256]
            hashes[name] = digest.sha256
        }
        return [
            "profile": "canton", "participant_id": try participantID(), "stores": digests,
            "content_hash": StoreDigest.combine(hashes),
        ]
    }

    /// Adds the validator admin and health endpoints.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/validator/readyz") { _, _ in Reply.text("ready") }
        router.get("/internal/demo/v1/state") { _, _ in Reply.json(["workload": self.workload.status()]) }
        router.get("/api/validator/livez") { _, _ in Reply.text("live") }
        router.get("/api/validator/v0/admin/participant/identities") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(self.adminToken)" else {
                return Reply.problem("unauthorized", "a valid bearer token is required", status: .unauthorized)
            }
            if self.identitiesMissing {
                return Reply.problem("not found", "the requested resource could not be found", status: .notFound)
            }
            do {
                return Reply.json(try self.identitiesDump())
            } catch {
                return Reply.problem("identities dump failed", "\(error)", status: .internalServerError)
            }
        }
    }

    /// The participant's `NodeIdentitiesDump`: `id`, `keys`, and `authorizedStoreSnapshot`
    /// (current form, with `version`) or `bootstrapTxs` (older form).
    func identitiesDump() throws -> [String: Any] {
        let keys = try participant.execute("SELECT name, key_pair FROM keys ORDER BY name").map { row -> [String: Any] in
            guard case .blob(let pair) = row[1] else { return ["name": row[0].text] }
            return ["keyPair": Data(pair).base64EncodedString(), "name": row[0].text]
        }
        let transactions = try participant.execute("SELECT tx FROM topology ORDER BY seq").compactMap { row -> [UInt8]? in
            if case .blob(let bytes) = row[0] { return bytes }
            return nil
        }
        var dump: [String: Any] = ["id": try participantID(), "keys": keys]
        if legacyDump {
            dump["bootstrapTxs"] = transactions.map { Data($0).base64EncodedString() }
        } else {
            // Length-prefixed transactions, standing in for Canton's serialized snapshot.
            var snapshot = Data()
            for transaction in transactions {
                withUnsafeBytes(of: UInt32(transaction.count).bigEndian) { snapshot.append(contentsOf: $0) }
                snapshot.append(contentsOf: transaction)
            }
            dump["authorizedStoreSnapshot"] = snapshot.base64EncodedString()
            dump["version"] = "0.4.0"
        }
        return dump
    }

    /// `PAR::<name>::<namespace fingerprint>`.
    func participantID() throws -> String {
        try participant.execute("SELECT uid FROM identity").first?.first?.text ?? ""
    }

    /// Checkpoints and closes both databases.
    func close() {
        validator.checkpointAndClose()
        participant.checkpointAndClose()
    }

    /// Generates the namespace, signing and encryption keys and the bootstrap topology once.
    private func createIdentity() throws {
        let namespace = Curve25519.Signing.PrivateKey()
        let fingerprint = "1220" + SHA256.hash(data: namespace.publicKey.rawRepresentation).map { String(format: "%02x", $0) }.joined()
        let uid = "PAR::demo-participant::\(fingerprint)"
        let signing = Curve25519.Signing.PrivateKey()
        let encryption = Curve25519.KeyAgreement.PrivateKey()
        // public ‖ private raw bytes: a stand-in for Canton's serialized CryptoKeyPair.
        let pairs: [(String, Data)] = [
            ("namespace", namespace.publicKey.rawRepresentation + namespace.rawRepresentation),
            ("signing", signing.publicKey.rawRepresentation + signing.rawRepresentation),
            ("encryption", encryption.publicKey.rawRepresentation + encryption.rawRepresentation),
        ]
        let topology = [
            "NamespaceDelegation(\(fingerprint))", "OwnerToKeyMapping(\(uid), signing, encryption)",
            "DomainTrustCertificate(\(uid), global-domain)",
        ]
        try participant.transaction { run in
            _ = try run("INSERT INTO identity (uid) VALUES (?)", [.text(uid)])
            for (name, pair) in pairs { _ = try run("INSERT INTO keys (name, key_pair) VALUES (?, ?)", [.text(name), .blob(Array(pair))]) }
            for transaction in topology { _ = try run("INSERT INTO topology (tx) VALUES (?)", [.blob(Array(transaction.utf8))]) }
        }
    }
}
