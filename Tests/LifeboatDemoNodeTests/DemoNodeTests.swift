import Foundation
import LifeboatCore
import LifeboatTestSupport
import Testing

/// The demo node as a process: Nuts datadir layout per version, write load visible in
/// diagnostics, health endpoints, PID file, shelf, and a clean SIGTERM shutdown.
@Suite struct DemoNodeTests {
    @Test(arguments: [
        ("5.0", ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"]),
        (
            "5.4",
            [
                "network/data.db", "vcr/backup-credentials.db", "vcr/backup-issued-credentials.db",
                "vcr/backup-revoked-credentials.db", "vdr/didstore.db",
            ]
        ),
    ])
    func datadirLayoutAndWriteLoad(version: String, stores: [String]) throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-node")
        defer { dir.remove() }
        let datadir = dir.appending("node")
        let node = try DemoNodeProcess.start(datadir: datadir, arguments: ["--nuts-version", version, "--write-interval", "50ms"])
        defer { node.kill() }

        #expect(try node.get("/status").text == "OK")
        let health = try node.get("/health")
        #expect(health.status == 200)
        #expect(health.json?["status"] as? String == "UP")
        let vcr = try FileManager.default.contentsOfDirectory(atPath: datadir + "/vcr").filter {
            $0.hasPrefix("backup-") && $0.hasSuffix(".db")
        }
        #expect(vcr.sorted().map { "vcr/" + $0 } == stores.filter { $0.hasPrefix("vcr/") })
        for store in stores { #expect(FileManager.default.fileExists(atPath: datadir + "/" + store), "\(store)") }
        #expect(FileManager.default.fileExists(atPath: datadir + "/events"))
        #expect(FileManager.default.fileExists(atPath: datadir + "/vcr/trusted_issuers.yaml"))
        #expect(try mode(datadir + "/crypto") == 0o700)
        let keys = try FileManager.default.contentsOfDirectory(atPath: datadir + "/crypto").filter { $0.hasSuffix("_private.pem") }
        #expect(keys.count == 2)
        for key in keys {
            let path = datadir + "/crypto/" + key
            #expect(try mode(path) == 0o600)
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(lines.first == "-----BEGIN PRIVATE KEY-----")
            #expect(lines.last == "-----END PRIVATE KEY-----")
            let der = try #require(Data(base64Encoded: lines.dropFirst().dropLast().joined()))
            #expect(der.first == 0x30)  // an ASN.1 SEQUENCE: PKCS#8 PrivateKeyInfo
        }

        let first = try diagnostics(node)
        try waitUntil("the write load adds transactions") { try transactionCount(diagnostics(node)) >= transactionCount(first) + 5 }
        let second = try diagnostics(node)
        #expect(second["content_hash"] as? String != first["content_hash"] as? String)
        #expect((second["stores"] as? [String: Any])?.keys.sorted() == (stores + ["vcr/trusted_issuers.yaml"]).sorted())

        // Paused, the stores hold still: equal diagnostics are possible.
        #expect(try node.post("/internal/demo/v1/workload/pause").status == 200)
        sleep(milliseconds: 200)
        let paused = try diagnostics(node)
        sleep(milliseconds: 400)
        #expect(try diagnostics(node)["content_hash"] as? String == paused["content_hash"] as? String)

        #expect(node.terminate() == 0, "\(node.log())")
        #expect(node.log().contains("stopped cleanly"))
        for store in stores + ["vcr/credentials.db"] {
            #expect(try SQLiteProbe.integrityCheck(datadir + "/" + store) == "ok", "\(store)")
        }
    }

    @Test func writesItsPIDFileAndShelf() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-node")
        defer { dir.remove() }
        let pidFile = dir.appending("node.pid")
        let shelf = dir.appending("shelf")
        let node = try DemoNodeProcess.start(
            datadir: dir.appending("node"),
            arguments: ["--nuts-version", "5.3", "--pid-file", pidFile, "--shelf-dir", shelf, "--shelf-interval", "1s"])
        defer { node.kill() }
        #expect(try String(contentsOfFile: pidFile, encoding: .utf8) == "\(node.processID)\n")
        let copies = ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"]
        try waitUntil("the shelf writes its copies") { copies.allSatisfy { FileManager.default.fileExists(atPath: shelf + "/" + $0) } }
        for copy in copies {
            #expect(try mode(shelf + "/" + copy) == 0o640)
            #expect(try SQLiteProbe.integrityCheck(shelf + "/" + copy) == "ok")
        }
        // Search indexes are rebuilt, never shelved.
        #expect(!FileManager.default.fileExists(atPath: shelf + "/vcr/credentials.db"))
        #expect(node.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: pidFile))
    }

    @Test func anInvalidShelfIntervalStopsTheNodeAtStart() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-node")
        defer { dir.remove() }
        let error = try #require(throws: LifeboatError.self) {
            try DemoNodeProcess.start(
                datadir: dir.appending("node"), arguments: ["--shelf-dir", dir.appending("shelf"), "--shelf-interval", "1d"])
        }
        #expect(error.message.contains(#"shelf backup interval "1d": unknown unit "d" (use s, m or h)"#), "\(error.message)")
        #expect(error.message.contains("exited with status 1"))
    }
}

/// The diagnostics document, or a failure.
func diagnostics(_ node: DemoNodeProcess) throws -> [String: Any] {
    let response = try node.get("/status/diagnostics")
    #expect(response.status == 200)
    return try #require(response.json, "diagnostics: \(response.text)")
}

/// `network.state.transaction_count`.
func transactionCount(_ diagnostics: [String: Any]) -> Int {
    ((diagnostics["network"] as? [String: Any])?["state"] as? [String: Any])?["transaction_count"] as? Int ?? -1
}

/// Polls `condition` every 50 ms for up to `seconds`; fails the test when it never holds.
func waitUntil(_ what: String, seconds: TimeInterval = 15, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    Issue.record("timed out waiting until \(what)")
}

/// Sleeps the calling thread.
func sleep(milliseconds: Int) {
    usleep(useconds_t(milliseconds * 1000))
}

/// The permission bits of a file.
func mode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1) & 0o777
}
