import Foundation
import LifeboatTestSupport
import Testing

/// `--profile canton`: two databases under write load and the validator's identities dump in
/// the current (`authorizedStoreSnapshot`) and older (`bootstrapTxs`) forms, behind a bearer token.
@Suite struct CantonProfileTests {
    @Test func servesBothIdentitiesDumpForms() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-canton")
        defer { dir.remove() }
        let token = "test-token-\(UInt64.random(in: 0 ... .max))"
        let environment = ["DEMO_NODE_ADMIN_TOKEN": token]
        let datadir = dir.appending("validator")
        let endpoint = "/api/validator/v0/admin/participant/identities"

        let node = try DemoNodeProcess.start(
            datadir: datadir, arguments: ["--profile", "canton", "--write-interval", "50ms"], environment: environment)
        defer { node.kill() }
        #expect(try node.get("/api/validator/readyz").status == 200)
        #expect(try node.get(endpoint).status == 401)
        let wrong = try node.get(endpoint, headers: ["Authorization": "Bearer not-\(token)"])
        #expect(wrong.status == 401)
        #expect(!wrong.text.contains(token))
        let current = try #require(try node.get(endpoint, headers: ["Authorization": "Bearer \(token)"]).json)
        let id = try #require(current["id"] as? String)
        #expect(id.hasPrefix("PAR::demo-participant::1220"))
        try expectKeys(current)
        let snapshot = try #require(current["authorizedStoreSnapshot"] as? String)
        #expect((Data(base64Encoded: snapshot)?.count ?? 0) > 12)
        #expect(current["bootstrapTxs"] == nil)
        #expect(current["version"] is String)
        let contracts = { (diagnostics: [String: Any]) -> Int in
            ((diagnostics["stores"] as? [String: Any])?["participant/participant.db#contracts"] as? [String: Any])?["rows"] as? Int ?? -1
        }
        let first = try diagnostics(node)
        try waitUntil("the workload writes contracts") { try contracts(diagnostics(node)) >= contracts(first) + 3 }
        #expect(node.terminate() == 0, "\(node.log())")
        for database in ["validator/validator.db", "participant/participant.db"] {
            #expect(try SQLiteProbe.integrityCheck(datadir + "/" + database) == "ok")
        }

        let legacy = try DemoNodeProcess.start(
            datadir: datadir, arguments: ["--profile", "canton", "--legacy-identities-dump"], environment: environment)
        defer { legacy.kill() }
        let older = try #require(try legacy.get(endpoint, headers: ["Authorization": "Bearer \(token)"]).json)
        #expect(older["id"] as? String == id)
        try expectKeys(older)
        let transactions = try #require(older["bootstrapTxs"] as? [String])
        #expect(transactions.count == 3)
        #expect(transactions.allSatisfy { Data(base64Encoded: $0) != nil })
        #expect(older["authorizedStoreSnapshot"] == nil)
        #expect(legacy.terminate() == 0)

        let broken = try DemoNodeProcess.start(
            datadir: datadir, arguments: ["--profile", "canton", "--identities-endpoint-missing"], environment: environment)
        defer { broken.kill() }
        #expect(try broken.get(endpoint, headers: ["Authorization": "Bearer \(token)"]).status == 404)
        #expect(broken.terminate() == 0)
        #expect(!node.log().contains(token))
    }

    @Test func refusesToStartWithoutAToken() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-canton")
        defer { dir.remove() }
        let error = try #require(throws: (any Error).self) {
            try DemoNodeProcess.start(
                datadir: dir.appending("validator"), arguments: ["--profile", "canton"], environment: ["DEMO_NODE_ADMIN_TOKEN": ""])
        }
        #expect("\(error)".contains("needs an admin token"))
    }

    private func expectKeys(_ dump: [String: Any]) throws {
        let keys = try #require(dump["keys"] as? [[String: Any]])
        #expect(keys.compactMap { $0["name"] as? String }.sorted() == ["encryption", "namespace", "signing"])
        for key in keys { #expect(Data(base64Encoded: key["keyPair"] as? String ?? "")?.count == 64) }
    }
}
