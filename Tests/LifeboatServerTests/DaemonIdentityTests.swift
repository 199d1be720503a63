import Crypto
import Foundation
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs
import LifeboatServer
import LifeboatTestSupport
import Testing

/// Identity dumps run by the daemon: scheduled and on demand, listed and exported through
/// the API, never stored in the clear, and paired with state backups.
@Suite(.serialized) struct DaemonIdentityTests {
    static func harness() async throws -> (DaemonHarness, key: String, identityFile: String) {
        let dir = try TemporaryDirectory(prefix: "lifeboat-daemon-id")
        try FileManager.default.createDirectory(atPath: dir.appending("node/events"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.appending("node/crypto"), withIntermediateDirectories: true)
        try Data("event".utf8).write(to: URL(fileURLWithPath: dir.appending("node/events/1.json")))
        try DaemonHarness.makeDatabase(dir.appending("node/data.db"), rows: 20)
        let pem = P256.Signing.PrivateKey().pemRepresentation
        try Data(pem.utf8).write(to: URL(fileURLWithPath: dir.appending("node/crypto/did:nuts:abc#key-1_private.pem")))
        let identityFile = dir.appending("identity.key")
        let recipient = try IdentityKeygen.write(to: identityFile)
        let backups = """
            interval: 1h
            max: 3
            repositories: [primary]
            """
        let harness = try await DaemonHarness(
            backups: backups, dir: dir,
            identity: """
                interval: 1h
                max: 2
                repositories: [primary]
                source: {type: fs, directory: crypto}
                recipients: [\(recipient.encoded)]
                """)
        return (harness, pem, identityFile)
    }

    @Test func dumpListExportPairingAndNoCleartext() async throws {
        let (h, pem, identityFile) = try await Self.harness()
        defer { Task { await h.stop() } }
        let started = try await h.call(.POST, "/api/v1/nodes/n1/identity-dumps")
        #expect(started.status == 202)
        let job = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(job["state"] as? String == "Completed", "\(job)")
        #expect(job["kind"] as? String == "identity")

        // Only an identity dump so far: the pairing warning says the state backup is missing.
        let node = try await h.call(.GET, "/api/v1/nodes/n1", token: DaemonHarness.viewerToken)
        let warnings = (node.json as? [String: Any])?["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("has no state backup") }, "\(warnings)")
        #expect(try await h.call(.GET, "/metrics", token: nil).text.contains(#"lifeboat_pairing_ok{node="n1"} 0"#))

        let backup = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        _ = try await h.waitForJob(try #require((backup.json as? [String: Any])?["id"] as? Int64))
        let paired = try await h.call(.GET, "/api/v1/nodes/n1", token: DaemonHarness.viewerToken)
        let pairedWarnings: [String] = ((paired.json as? [String: Any])?["warnings"] as? [String]) ?? []
        #expect(pairedWarnings.isEmpty, "\(paired.text)")
        #expect(try await h.call(.GET, "/metrics", token: nil).text.contains(#"lifeboat_pairing_ok{node="n1"} 1"#))

        let list = try await h.call(.GET, "/api/v1/nodes/n1/identity-dumps", token: DaemonHarness.viewerToken)
        let dumps = try #require(list.json as? [[String: Any]])
        #expect(dumps.count == 1)
        #expect(dumps.first?["keyCount"] as? Int == 1)
        let name = try #require(dumps.first?["name"] as? String)
        #expect(name.hasPrefix("n1-iddump-"))
        #expect(!list.text.contains("PRIVATE KEY"))

        // Export needs operator and returns the age file only; it decrypts with our identity.
        #expect(try await h.call(.GET, "/api/v1/nodes/n1/identity-dumps/\(name)/export", token: DaemonHarness.viewerToken).status == 403)
        let export = try await h.call(.GET, "/api/v1/nodes/n1/identity-dumps/\(name)/export")
        #expect(export.status == 200)
        #expect(export.text.hasPrefix("age-encryption.org/v1"))
        let document = try IdentityDumps.decrypt(Array(export.body), identities: try IdentityDumps.loadIdentities(identityFile))
        #expect(document.keys.count == 1)

        // No byte of the key's PEM body appears unencrypted in the repository or the catalog.
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let needle = Data(body.prefix(40).utf8)
        for root in [h.repoPath, h.dir.appending("catalog.sqlite")] {
            for file in Self.files(under: root) {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                #expect(data.range(of: needle) == nil, "key material in \(file)")
            }
        }

        // Restoring keys through the API into the fs directory: same key, nothing to replace.
        let restored = try await h.call(
            .POST, "/api/v1/nodes/n1/identity-dumps/\(name)/restore", body: #"{"identityFile": "\#(identityFile)"}"#)
        #expect(restored.status == 200, "\(restored.text)")
        #expect((restored.json as? [String: Any])?["unchanged"] as? [String] != nil)
        let missingFile = try await h.call(.POST, "/api/v1/nodes/n1/identity-dumps/\(name)/restore", body: "{}")
        #expect(missingFile.status == 422)
    }

    @Test func invalidDumpFailsTheJobWithTheReason() async throws {
        let (h, _, _) = try await Self.harness()
        defer { Task { await h.stop() } }
        try Data("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n".utf8)
            .write(to: URL(fileURLWithPath: h.datadir + "/crypto/broken_private.pem"))
        let started = try await h.call(.POST, "/api/v1/nodes/n1/identity-dumps")
        let job = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(job["state"] as? String == "Failed")
        #expect((job["error"] as? String)?.contains("broken") == true, "\(job)")
        let repo = try await h.daemon.repositories.repository("primary")
        #expect(try await repo.snapshots().filter { $0.snapshot.kind == .identity }.isEmpty)
    }

    static func files(under root: String) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else { return [root] }
        let e = FileManager.default.enumerator(atPath: root)
        return (e?.allObjects as? [String] ?? []).map { root + "/" + $0 }.filter {
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue
        }
    }
}

/// The `shelf` store type: a node's own store copies (LifeboatShelf's directory, outside the
/// datadir) backed up with the node's other stores, versioned and restorable.
@Suite struct ShelfStoreTests {
    @Test func shelfDirectoryIsIngestedWithTheNode() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-shelf-store")
        try FileManager.default.createDirectory(atPath: dir.appending("node/events"), withIntermediateDirectories: true)
        try Data("e".utf8).write(to: URL(fileURLWithPath: dir.appending("node/events/1.json")))
        try DaemonHarness.makeDatabase(dir.appending("node/data.db"), rows: 10)
        let shelf = dir.appending("shelf")
        try FileManager.default.createDirectory(atPath: shelf + "/network", withIntermediateDirectories: true)
        try DaemonHarness.makeDatabase(shelf + "/network/data.db", rows: 50)
        let yaml = DaemonHarness.yaml(dir: dir, backups: "interval: 1h\nmax: 3\nrepositories: [primary]")
            .replacingOccurrences(
                of: "      - {type: dir, path: events}",
                with: "      - {type: dir, path: events}\n      - {type: shelf, directory: \(shelf)}")
        let h = try await DaemonHarness(dir: dir, configuration: yaml)
        defer { Task { await h.stop() } }
        let started = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        let job = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(job["state"] as? String == "Completed", "\(job)")
        let target = dir.appending("restored")
        let restore = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "\#(target)"}"#)
        let restored = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64))
        #expect(restored["state"] as? String == "Completed", "\(restored)")
        // Stores outside the datadir keep their absolute layout under the target.
        #expect(try SQLiteProbe.query(target + shelf + "/network/data.db", "SELECT count(*) FROM t") == "50")
        #expect(try SQLiteProbe.integrityCheck(target + shelf + "/network/data.db") == "ok")
        #expect(FileManager.default.fileExists(atPath: target + dir.appending("node/data.db")))
    }
}
