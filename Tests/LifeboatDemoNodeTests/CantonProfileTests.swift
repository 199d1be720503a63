import Foundation
import LifeboatTestSupport
import Testing

/// `--profile canton`: two PostgreSQL databases (a real cluster on a loopback port) under
/// write load and the validator's identities dump in the current (`authorizedStoreSnapshot`)
/// and older (`bootstrapTxs`) forms, behind a bearer token.
@Suite(.serialized) struct CantonProfileTests {
    static let endpoint = "/api/validator/v0/admin/participant/identities"

    @Test func servesBothIdentitiesDumpForms() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-canton")
        defer { dir.remove() }
        let pg = try await PostgresCluster.start(directory: dir.appending("pg"))
        defer { pg.stop() }
        try pg.sql("postgres", "CREATE DATABASE validator; CREATE DATABASE participant")
        let token = "test-token-\(UInt64.random(in: 0 ... .max))"
        let environment = ["DEMO_NODE_ADMIN_TOKEN": token]
        let datadir = dir.appending("validator")
        let databases = ["--validator-db", pg.url("validator"), "--participant-db", pg.url("participant")]

        let node = try DemoNodeProcess.start(
            datadir: datadir, arguments: ["--profile", "canton", "--write-interval", "50ms"] + databases, environment: environment)
        defer { node.kill() }
        #expect(try node.get("/api/validator/readyz").status == 200)
        #expect(try node.get(Self.endpoint).status == 401)
        let wrong = try node.get(Self.endpoint, headers: ["Authorization": "Bearer not-\(token)"])
        #expect(wrong.status == 401)
        #expect(!wrong.text.contains(token))
        let current = try #require(try node.get(Self.endpoint, headers: ["Authorization": "Bearer \(token)"]).json)
        let id = try #require(current["id"] as? String)
        #expect(id.hasPrefix("PAR::demo-participant::1220"))
        try expectKeys(current)
        let snapshot = try #require(current["authorizedStoreSnapshot"] as? String)
        #expect((Data(base64Encoded: snapshot)?.count ?? 0) > 12)
        #expect(current["bootstrapTxs"] == nil)
        #expect(current["version"] is String)
        let contracts = { (diagnostics: [String: Any]) -> Int in
            ((diagnostics["stores"] as? [String: Any])?["participant#contracts"] as? [String: Any])?["rows"] as? Int ?? -1
        }
        let first = try diagnostics(node)
        #expect(first["participant_id"] as? String == id)
        try waitUntil("the workload writes contracts") { try contracts(diagnostics(node)) >= contracts(first) + 3 }
        #expect(try node.post("/internal/demo/v1/workload/pause").status == 200)
        usleep(300_000)  // a write already under way finishes
        let paused = try diagnostics(node)
        #expect(node.terminate() == 0, "\(node.log())")

        // The state is in PostgreSQL, in the tables the diagnostics count.
        #expect(try Int(pg.sql("participant", "SELECT count(*) FROM contracts")) == contracts(paused))
        #expect(try Int(pg.sql("participant", "SELECT count(*) FROM keys")) == 3)
        #expect(try pg.sql("participant", "SELECT uid FROM identity") == id)
        #expect(try Int(pg.sql("validator", "SELECT count(*) FROM users")) ?? 0 >= 1)
        #expect(try Int(pg.sql("validator", "SELECT sum(amount) FROM balances")) ?? 0 > 0)

        let legacy = try DemoNodeProcess.start(
            datadir: datadir, arguments: ["--profile", "canton", "--legacy-identities-dump"] + databases, environment: environment)
        defer { legacy.kill() }
        let older = try #require(try legacy.get(Self.endpoint, headers: ["Authorization": "Bearer \(token)"]).json)
        #expect(older["id"] as? String == id, "the identity is created once and kept in the participant database")
        try expectKeys(older)
        let transactions = try #require(older["bootstrapTxs"] as? [String])
        #expect(transactions.count == 3)
        #expect(transactions.allSatisfy { Data(base64Encoded: $0) != nil })
        #expect(older["authorizedStoreSnapshot"] == nil)
        #expect(legacy.terminate() == 0)

        let broken = try DemoNodeProcess.start(
            datadir: datadir, arguments: ["--profile", "canton", "--identities-endpoint-missing"] + databases, environment: environment)
        defer { broken.kill() }
        #expect(try broken.get(Self.endpoint, headers: ["Authorization": "Bearer \(token)"]).status == 404)
        #expect(broken.terminate() == 0)
        #expect(!node.log().contains(token))
    }

    @Test func refusesToStartWithoutATokenOrDatabases() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-canton")
        defer { dir.remove() }
        let databases = [
            "--validator-db", "postgresql://splice@127.0.0.1:1/validator", "--participant-db", "postgresql://splice@127.0.0.1:1/p",
        ]
        let noToken = try #require(throws: (any Error).self) {
            try DemoNodeProcess.start(
                datadir: dir.appending("validator"), arguments: ["--profile", "canton"] + databases,
                environment: ["DEMO_NODE_ADMIN_TOKEN": ""])
        }
        #expect("\(noToken)".contains("needs an admin token"))
        let noDatabases = try #require(throws: (any Error).self) {
            try DemoNodeProcess.start(
                datadir: dir.appending("validator"), arguments: ["--profile", "canton"], environment: ["DEMO_NODE_ADMIN_TOKEN": "t"])
        }
        #expect("\(noDatabases)".contains("needs --validator-db and --participant-db"))
        // Nothing listens on port 1: one clear message naming the database, at start.
        let unreachable = try #require(throws: (any Error).self) {
            try DemoNodeProcess.start(
                datadir: dir.appending("validator"), arguments: ["--profile", "canton"] + databases,
                environment: ["DEMO_NODE_ADMIN_TOKEN": "t"])
        }
        #expect(
            "\(unreachable)".contains("cannot use the validator database at postgresql://splice@127.0.0.1:1/validator"), "\(unreachable)")
        #expect("\(unreachable)".contains("Connection refused"), "\(unreachable)")
    }

    private func expectKeys(_ dump: [String: Any]) throws {
        let keys = try #require(dump["keys"] as? [[String: Any]])
        #expect(keys.compactMap { $0["name"] as? String }.sorted() == ["encryption", "namespace", "signing"])
        for key in keys { #expect(Data(base64Encoded: key["keyPair"] as? String ?? "")?.count == 64) }
    }
}
