import Crypto
import Foundation
import Hummingbird
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// The Canton profile: a stand-in Splice validator whose state is two PostgreSQL databases
/// (the validator app's and the participant's, as in a real deployment) and whose
/// participant identity is served as a `NodeIdentitiesDump`.
final class CantonNode: Sendable {
    /// The validator app's database: `users`, `balances`.
    let validator: PostgresDatabase
    /// The participant's database: `identity`, `keys`, `topology`, `contracts`.
    let participant: PostgresDatabase
    /// The write workload.
    let workload: Workload
    /// The bearer token the admin API requires (never logged or returned).
    private let adminToken: String
    /// Serve the older dump form with `bootstrapTxs` instead of `authorizedStoreSnapshot`.
    private let legacyDump: Bool
    /// Answer 404 on the identities endpoint, as seen after some upgrades.
    private let identitiesMissing: Bool

    /// The tables diagnostics digest: database, table, columns (bytea as hex) and order.
    static let digestedTables: [(database: String, table: String, columns: String, order: String)] = [
        ("validator", "users", "name, party", "name"),
        ("validator", "balances", "party, amount", "party"),
        ("participant", "identity", "uid", "uid"),
        ("participant", "keys", "name, encode(key_pair, 'hex')", "name"),
        ("participant", "topology", "seq, encode(tx, 'hex')", "seq"),
        ("participant", "contracts", "id, party, amount", "id"),
    ]

    /// Connects to both databases (failing at once when one is unreachable), creates the
    /// tables when missing and the participant's identity once.
    init(
        validatorURL: String, participantURL: String, workload: Workload, adminToken: String, legacyDump: Bool, identitiesMissing: Bool
    )
        throws
    {
        // psql may exit before reading its input; a write to its pipe must fail, not kill the node.
        signal(SIGPIPE, SIG_IGN)
        self.workload = workload
        self.adminToken = adminToken
        self.legacyDump = legacyDump
        self.identitiesMissing = identitiesMissing
        validator = try PostgresDatabase(role: "validator", url: validatorURL)
        participant = try PostgresDatabase(role: "participant", url: participantURL)
        try validator.execute(
            """
            CREATE TABLE IF NOT EXISTS users (name text PRIMARY KEY, party text NOT NULL);
            CREATE TABLE IF NOT EXISTS balances (party text PRIMARY KEY, amount bigint NOT NULL)
            """)
        try participant.execute(
            """
            CREATE TABLE IF NOT EXISTS identity (uid text PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS keys (name text PRIMARY KEY, key_pair bytea NOT NULL);
            CREATE TABLE IF NOT EXISTS topology (seq bigserial PRIMARY KEY, tx bytea NOT NULL);
            CREATE TABLE IF NOT EXISTS contracts (id text PRIMARY KEY, party text NOT NULL, amount bigint NOT NULL)
            """)
        if try participantID().isEmpty { try createIdentity() }
    }

    /// One workload step: a transfer recorded by the participant, then by the validator app.
    func write(tick: Int) throws {
        let party = "party-\(tick % 7)::1220\(randomHex(4))"
        let amount = tick % 97 + 1
        try participant.execute(
            "INSERT INTO contracts (id, party, amount) VALUES (\(PostgresDatabase.literal(randomHex(16))), \(PostgresDatabase.literal(party)), \(amount))"
        )
        try validator.execute(
            """
            BEGIN;
            INSERT INTO users (name, party) VALUES (\(PostgresDatabase.literal("user-\(tick % 7)")), \(PostgresDatabase.literal(party)))
              ON CONFLICT (name) DO NOTHING;
            INSERT INTO balances (party, amount) VALUES (\(PostgresDatabase.literal("party-\(tick % 7)")), \(amount))
              ON CONFLICT (party) DO UPDATE SET amount = balances.amount + excluded.amount;
            COMMIT
            """)
    }

    /// Counts and hashes of every table of both databases, each database read in one snapshot.
    func diagnostics() throws -> [String: Any] {
        var digests: [String: Any] = [:]
        var hashes: [String: String] = [:]
        for (database, name) in [(validator, "validator"), (participant, "participant")] {
            let tables = Self.digestedTables.filter { $0.database == name }
            var sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\n"
            for table in tables {
                sql += "SELECT '\u{1D}\(table.table)';\nSELECT \(table.columns) FROM \(table.table) ORDER BY \(table.order);\n"
            }
            sql += "COMMIT"
            var sections: [String: [[String]]] = [:]
            var current: String?
            for row in try database.execute(sql) {
                if row.count == 1, row[0].hasPrefix("\u{1D}") {
                    current = String(row[0].dropFirst())
                    sections[current ?? ""] = []
                } else if let current {
                    sections[current, default: []].append(row)
                }
            }
            for table in tables {
                let digest = StoreDigest(rows: sections[table.table] ?? [])
                let key = "\(name)#\(table.table)"
                digests[key] = ["rows": digest.rows, "sha256": digest.sha256]
                hashes[key] = digest.sha256
            }
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
        let keys = try participant.execute("SELECT name, encode(key_pair, 'hex') FROM keys ORDER BY name").map { row -> [String: Any] in
            ["keyPair": Data(Hex.decode(row.count > 1 ? row[1] : "") ?? []).base64EncodedString(), "name": row[0]]
        }
        let transactions = try participant.execute("SELECT encode(tx, 'hex') FROM topology ORDER BY seq").map {
            Hex.decode($0[0]) ?? []
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

    /// `PAR::<name>::<namespace fingerprint>`, or "" before the identity exists.
    func participantID() throws -> String {
        try participant.execute("SELECT uid FROM identity").first?.first ?? ""
    }

    /// Generates the namespace, signing and encryption keys and the bootstrap topology once,
    /// in one transaction.
    private func createIdentity() throws {
        let namespace = Curve25519.Signing.PrivateKey()
        let fingerprint = "1220" + Hex.encode(SHA256.hash(data: namespace.publicKey.rawRepresentation))
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
        var sql = "BEGIN;\nINSERT INTO identity (uid) VALUES (\(PostgresDatabase.literal(uid)));\n"
        for (name, pair) in pairs {
            sql += "INSERT INTO keys (name, key_pair) VALUES (\(PostgresDatabase.literal(name)), \(PostgresDatabase.bytea(Array(pair))));\n"
        }
        for transaction in topology {
            sql += "INSERT INTO topology (tx) VALUES (\(PostgresDatabase.bytea(Array(transaction.utf8))));\n"
        }
        try participant.execute(sql + "COMMIT")
    }
}
