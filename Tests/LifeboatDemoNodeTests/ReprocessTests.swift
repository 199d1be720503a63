import Foundation
import LifeboatTestSupport
import Testing

/// A datadir restored the Nuts way (stores and trusted issuers copied back, `events` and the
/// search index gone) reproduces the content hash and waits for the reprocess calls its version
/// needs (PRODUCT.md): 5.0 two, 5.3 three, 5.4 none. Calls are decoded the way Go does.
@Suite struct ReprocessTests {
    static let revocation = "application/ld+json;type=revocation"
    static let did = "application/did+json"

    @Test(arguments: [
        (
            "5.0", ["application/vc+json", "application/ld+json;type=revocation"],
            ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"]
        ),
        (
            "5.3", ["application/vc+json", "application/ld+json;type=revocation", "application/did+json"],
            ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"]
        ),
        (
            "5.4", [],
            [
                "network/data.db", "vcr/backup-credentials.db", "vcr/backup-issued-credentials.db",
                "vcr/backup-revoked-credentials.db", "vdr/didstore.db",
            ]
        ),
    ])
    func restoredNodeNeedsItsVersionsReprocessCalls(version: String, types: [String], files: [String]) throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-reprocess")
        defer { dir.remove() }
        let arguments = ["--nuts-version", version, "--seed-transactions", "40", "--write-interval", "0"]
        let original = try DemoNodeProcess.start(datadir: dir.appending("original"), arguments: arguments)
        defer { original.kill() }
        let before = try diagnostics(original)
        #expect(((before["vcr"] as? [String: Any])?["credential_count"] as? Int) == 20)
        #expect(original.terminate() == 0, "\(original.log())")
        for file in files { #expect(try SQLiteProbe.integrityCheck(dir.appending("original/" + file)) == "ok", "\(file)") }

        // The restore procedure: only the version's stores and the trusted issuers come back.
        for file in files + ["vcr/trusted_issuers.yaml"] {
            let target = dir.appending("restored/" + file)
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: dir.appending("original/" + file), toPath: target)
        }
        // The keys come back from their own backup (the node DID in the diagnostics is theirs).
        try FileManager.default.copyItem(atPath: dir.appending("original/crypto"), toPath: dir.appending("restored/crypto"))
        let restored = try DemoNodeProcess.start(datadir: dir.appending("restored"), arguments: arguments)
        defer { restored.kill() }
        let after = try diagnostics(restored)
        #expect(after["content_hash"] as? String == before["content_hash"] as? String)
        #expect(Self.data(after["network"]) == Self.data(before["network"]))
        let reprocess = try #require(after["reprocess"] as? [String: Any])
        let state = try #require(try restored.get("/internal/demo/v1/state").json)
        #expect((state["reprocess"] as? [String: Any])?["restored_at_start"] as? Bool == true)
        // A restored node is not held still: it writes as any node does (here: --write-interval 0).
        #expect((state["workload"] as? [String: Any])?["paused"] as? Bool == false)
        #expect(reprocess["pending"] as? [String] == types)
        #expect(reprocess["done"] as? Bool == types.isEmpty)
        let expectedCountBeforeCalls = types.isEmpty ? 20 : 0
        #expect((after["vcr"] as? [String: Any])?["credential_count"] as? Int == expectedCountBeforeCalls)

        for type in types {
            let escaped = type.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: ";", with: "%3B")
            let response = try restored.post("/internal/network/v1/reprocess?type=\(escaped)")
            #expect(response.status == 202, "\(type): \(response.text)")
        }
        try waitUntil("reprocessing finishes") { (try diagnostics(restored)["reprocess"] as? [String: Any])?["done"] as? Bool == true }
        let final = try diagnostics(restored)
        #expect(
            NSDictionary(dictionary: final["vcr"] as? [String: Any] ?? [:])
                == NSDictionary(dictionary: before["vcr"] as? [String: Any] ?? [:]))
        #expect(final["content_hash"] as? String == before["content_hash"] as? String)
        // Everything recorded at backup time is back, reprocess status included.
        #expect(Self.data(final) == Self.data(before))
        // What describes the process, not the data, is the new process's.
        #expect(((final["status"] as? [String: Any])?["uptime"] as? Int64 ?? -1) >= 0)
        #expect(try loggedCalls(dir.appending("restored")).map { $0["type"] as? String } == types)
        #expect(restored.terminate() == 0)
    }

    /// A diagnostics document without what describes the running process (uptime, peers,
    /// the database file's size), which a restored node does not take over.
    static func data(_ value: Any?) -> NSDictionary {
        var document = value as? [String: Any] ?? [:]
        document["status"] = nil
        document["connections"] = nil
        if var network = document["network"] as? [String: Any] {
            network["connections"] = nil
            if var state = network["state"] as? [String: Any] {
                state["stored_database_size_bytes"] = nil
                network["state"] = state
            }
            document["network"] = network
        }
        if var state = document["state"] as? [String: Any] {
            state["stored_database_size_bytes"] = nil
            document["state"] = state
        }
        return NSDictionary(dictionary: document)
    }

    @Test func queriesAreDecodedLikeGo() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-reprocess")
        defer { dir.remove() }
        let node = try DemoNodeProcess.start(datadir: dir.appending("node"), arguments: ["--nuts-version", "5.3", "--write-interval", "0"])
        defer { node.kill() }
        let path = "/internal/network/v1/reprocess?type="
        // Unescaped, `+` becomes a space and a pair with `;` is dropped (Go 1.17+): no type at all.
        #expect(try node.post(path + "application/vc+json").status == 202)
        #expect(try node.post(path + "application/ld+json;type=revocation").status == 400)
        #expect(try node.post(path + "application%2Fld%2Bjson%3Btype%3Drevocation").status == 202)
        #expect(try node.post(path + "application/did%2bjson").status == 202)
        let calls = try loggedCalls(dir.appending("node"))
        #expect(calls.map { $0["type"] as? String } == ["application/vc json", nil, Self.revocation, Self.did])
        #expect(calls.map { $0["status"] as? Int } == [202, 400, 202, 202])
        #expect(calls.map { $0["known"] as? Bool } == [false, false, true, true])
        #expect(calls[1]["raw_query"] as? String == "type=application/ld+json;type=revocation")
        #expect(node.log().contains(#"reprocess: {"known":true"#))
        #expect(node.terminate() == 0)
    }

    /// The JSON lines of `reprocess.log`.
    private func loggedCalls(_ datadir: String) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: datadir + "/reprocess.log") else { return [] }
        return try String(contentsOfFile: datadir + "/reprocess.log", encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }
}
