import Foundation
import LifeboatCatalog
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Fencing end to end with real processes: a Nuts node (the demo node, which presents its node
/// DID as `network.node_did` the way a Nuts 5 node's diagnostics do) is backed up; the
/// "original host" keeps running with the same keys at the address recorded with the backup
/// while a replacement is restored under another address. The restore refuses in its check
/// step (nothing touched) until the operator says the original is stopped; each restore of
/// the identity issues the next fencing token; the doctor flags the original still answering.
@Suite(.serialized) struct FencingTests {
    static func yaml(_ dir: TemporaryDirectory, port: Int, recipient: String) -> String {
        let datadir = dir.appending("nuts")
        let pidFile = dir.appending("replacement.pid")
        let start =
            "nohup \(DemoNodeProcess.binary) --datadir \(datadir) --listen 127.0.0.1:\(port) --nuts-version 5.3 --write-interval 50ms --pid-file \(pidFile) > \(dir.appending("replacement.log")) 2>&1 < /dev/null &"
        return DaemonHarness.configHead(in: dir) + """

            nodes:
              - name: nuts-1
                profile: nuts
                version: "5.3"
                datadir: \(datadir)
                stores: [{type: sqlite, path: network/data.db}, {type: sqlite, path: vdr/didstore.db}, {type: sqlite, path: vcr/backup-issued-credentials.db}, {type: file, path: vcr/trusted_issuers.yaml}]
                backups: {interval: 1h, max: 5, repositories: [primary]}
                identity:
                  interval: 1h
                  max: 5
                  repositories: [primary]
                  source: {type: fs, directory: crypto}
                  recipients: [\(recipient)]
                control:
                  pid_file: \(pidFile)
                  start: "\(start)"
                  url: http://127.0.0.1:\(port)
                  timeout: 60s
            """
    }

    static func nodeDID(_ diagnostics: Any?) -> String? {
        ((diagnostics as? [String: Any])?["network"] as? [String: Any])?["node_did"] as? String
    }

    static func restore(_ h: DaemonHarness, _ body: String) async throws -> [String: Any] {
        let answer = try await h.call(.POST, "/api/v1/nodes/nuts-1/node-restores", body: body)
        #expect(answer.status == 202, "\(answer.text)")
        return try await h.waitForJob(try #require((answer.json as? [String: Any])?["id"] as? Int64), timeout: 180)
    }

    static func findings(_ h: DaemonHarness) async throws -> [[String: Any]] {
        let doctor = try #require(try await h.call(.GET, "/api/v1/doctor").json as? [String: Any])
        return doctor["findings"] as? [[String: Any]] ?? []
    }

    @Test func aRestoredIdentityDoesNotRunTwice() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-fencing")
        let datadir = dir.appending("nuts")
        let identityFile = dir.appending("identity.key")
        let recipient = try IdentityKeygen.write(to: identityFile).encoded

        // The original, backed up (state and keys) at its address.
        let original = try DemoNodeProcess.start(datadir: datadir, arguments: ["--nuts-version", "5.3", "--write-interval", "50ms"])
        let originalPort = original.port
        let did = try #require(Self.nodeDID(try original.get("/status/diagnostics").json))
        let keys = try FileManager.default.contentsOfDirectory(atPath: datadir + "/crypto").filter { $0.hasSuffix("_private.pem") }
        #expect(did.hasPrefix("did:nuts:") && !keys.isEmpty && keys.allSatisfy { $0.hasPrefix(did + "#") }, "\(did) \(keys)")
        var h = try await DaemonHarness(dir: dir, configuration: Self.yaml(dir, port: originalPort, recipient: recipient))
        let dump = try await h.waitForJob(
            try #require((try await h.call(.POST, "/api/v1/nodes/nuts-1/identity-dumps").json as? [String: Any])?["id"] as? Int64))
        #expect(dump["state"] as? String == "Completed", "\(dump)")
        let backup = try await h.waitForJob(
            try #require((try await h.call(.POST, "/api/v1/nodes/nuts-1/backups").json as? [String: Any])?["id"] as? Int64))
        #expect(backup["state"] as? String == "Completed", "\(backup)")
        await h.stop(keep: true)

        // The original host keeps running with its own copy of the datadir at the same address;
        // the replacement host (same datadir path, another address) starts empty.
        original.kill()
        try FileManager.default.copyItem(atPath: datadir, toPath: dir.appending("original-host"))
        try FileManager.default.removeItem(atPath: datadir)
        let twin = try DemoNodeProcess.start(
            datadir: dir.appending("original-host"),
            arguments: ["--nuts-version", "5.3", "--write-interval", "50ms", "--listen", "127.0.0.1:\(originalPort)"])
        defer { twin.kill() }
        #expect(twin.port == originalPort)
        #expect(Self.nodeDID(try twin.get("/status/diagnostics").json) == did)
        let replacementPort = try LoopbackHTTP.freePort()
        h = try await DaemonHarness(dir: dir, configuration: Self.yaml(dir, port: replacementPort, recipient: recipient))
        let harness = h
        defer {
            NodeRestoreTests.stopRestarted(dir.appending("replacement.pid"))
            Task { await harness.stop() }
        }
        let body = #"{"identityDump": "latest", "identityFile": "\#(identityFile)""#

        // Bad input is refused up front.
        let badURL = try await h.call(.POST, "/api/v1/nodes/nuts-1/node-restores", body: body + #", "original": "ftp://host"}"#)
        #expect(badURL.status == 422 && badURL.text.contains("original"), "\(badURL.text)")
        let noDump = try await h.call(.POST, "/api/v1/nodes/nuts-1/node-restores", body: #"{"iHaveStoppedTheOriginal": true}"#)
        #expect(noDump.status == 422 && noDump.text.contains("identityDump"), "\(noDump.text)")

        // Refused while the original answers with the identity: nothing touched.
        let refused = try await Self.restore(h, body + "}")
        #expect(refused["state"] as? String == "Failed", "\(refused)")
        let error = refused["error"] as? String ?? ""
        #expect(error.contains("still answers with the identity"), "\(error)")
        #expect(error.contains("127.0.0.1:\(originalPort)") && error.contains(did), "\(error)")
        #expect(error.contains("--i-have-stopped-the-original"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: datadir), "the refused restore touched the datadir")
        #expect(!FileManager.default.fileExists(atPath: dir.appending("replacement.pid")), "the refused restore started the node")
        #expect(try await h.daemon.catalog.fences().isEmpty)

        // The operator says the original is stopped: it goes ahead and issues token 1.
        let overridden = try await Self.restore(h, body + #", "iHaveStoppedTheOriginal": true}"#)
        #expect(overridden["state"] as? String == "Completed", "\(overridden)")
        let first = try #require(FenceFile.read(datadir: datadir))
        #expect(first.token == 1 && first.node == "nuts-1" && first.job == overridden["id"] as? Int64, "\(first)")
        let fences = try await h.daemon.catalog.fences()
        #expect(fences.count == 1 && fences[0].token == 1 && fences[0].overridden, "\(fences)")
        #expect(fences[0].originals.contains("http://127.0.0.1:\(originalPort)"), "\(fences)")
        #expect(fences[0].markers.contains(did), "\(fences)")
        let replacement = try LoopbackHTTP.request("GET", port: replacementPort, path: "/status/diagnostics")
        #expect(Self.nodeDID(try JSONSerialization.jsonObject(with: replacement.body)) == did)

        // The doctor sees the original still presenting the identity restored here.
        let twinFinding = try await Self.findings(h).first { $0["check"] as? String == "identity-twin" }
        #expect(twinFinding?["severity"] as? String == "error")
        #expect((twinFinding?["message"] as? String ?? "").contains("127.0.0.1:\(originalPort)"), "\(String(describing: twinFinding))")

        // Once the original is really gone, a restore needs no override and issues token 2.
        twin.kill()
        NodeRestoreTests.stopRestarted(dir.appending("replacement.pid"))
        let again = try await Self.restore(h, body + "}")
        #expect(again["state"] as? String == "Completed", "\(again)")
        #expect(FenceFile.read(datadir: datadir)?.token == 2)
        let latest = try await h.daemon.catalog.latestFences()
        #expect(latest.values.map(\.token) == [2] && latest.values.first?.overridden == false, "\(latest)")
        #expect(try await Self.findings(h).allSatisfy { !($0["check"] as? String ?? "").hasPrefix("identity-") })
    }

    /// Two configured nodes with the same key ids, and a datadir whose fencing token is older
    /// than the last issued for its identity: both errors, each naming the other node.
    @Test func theDoctorFlagsSharedKeysAndAStaleFencingToken() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-fencing-doctor")
        for name in ["a", "b"] {
            let crypto = dir.appending("\(name)/crypto")
            try FileManager.default.createDirectory(atPath: crypto, withIntermediateDirectories: true)
            for kid in ["did:nuts:Shared#k1", "did:nuts:Shared#k2"] {
                try Data("not a key: only the name is read\n".utf8).write(to: URL(fileURLWithPath: crypto + "/\(kid)_private.pem"))
            }
        }
        let node = { (name: String) in
            """
              - name: nuts-\(name)
                profile: generic
                datadir: \(dir.appending(name))
                identity:
                  interval: 1h
                  max: 5
                  repositories: [primary]
                  source: {type: fs, directory: crypto}
                  recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]
            """
        }
        let h = try await DaemonHarness(
            dir: dir, configuration: DaemonHarness.configHead(in: dir) + "\nnodes:\n" + node("a") + "\n" + node("b") + "\n")
        defer { Task { await h.stop() } }
        var findings = try await FencingTests.findings(h)
        let shared = try #require(findings.first { $0["check"] as? String == "identity-shared" }, "\(findings)")
        #expect(shared["severity"] as? String == "error")
        let message = shared["message"] as? String ?? ""
        #expect(message.contains("nuts-a") && message.contains("nuts-b") && message.contains("did:nuts:Shared#k1"), "\(message)")

        // nuts-a was restored with token 1; later the same identity went to nuts-b with token 2.
        let catalog = h.daemon.catalog
        for (token, name) in [(1, "a"), (2, "b")] {
            let job = try await catalog.createJob(node: "nuts-\(name)", kind: .restore, trigger: .api)
            let fence = try await catalog.issueFence(
                Fence(
                    fingerprint: "f1f2f3", node: "nuts-\(name)", job: job.id, dump: "d", markers: ["did:nuts:Shared"], originals: [],
                    overridden: false, issuedAt: Date()))
            #expect(fence.token == Int64(token))
            let again = try await catalog.issueFence(
                Fence(
                    fingerprint: "f1f2f3", node: "nuts-\(name)", job: job.id, dump: "d", markers: [], originals: [], overridden: false,
                    issuedAt: Date()))
            #expect(again.token == Int64(token), "the same job gets its token back")
            let text =
                #"{"fingerprint": "f1f2f3", "token": \#(token), "node": "nuts-\#(name)", "job": \#(job.id.rawValue), "issued_at": "2026-12-04T10:00:00Z"}"#
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir.appending("\(name)/.lifeboat-fence.json")))
        }
        findings = try await FencingTests.findings(h)
        let fenced = findings.filter { $0["check"] as? String == "identity-fenced" }
        #expect(fenced.count == 1 && fenced.first?["node"] as? String == "nuts-a", "\(fenced)")
        #expect((fenced.first?["message"] as? String ?? "").contains("token 2 was issued since, to node nuts-b"), "\(fenced)")
    }
}
