import Foundation
import LifeboatTestSupport
import Testing

/// `key add --write-only` and `backup --write-only-key`, end to end through the binary: the
/// host runs without the password and cannot use any reading command; the password restores.
@Suite struct WriteOnlyCLITests {
    @Test func aHostWithTheWriteOnlyKeyBacksUpAndTheAdminRestores() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-write-only")
        defer { dir.remove() }
        let admin = CLI()
        let repo = dir.appending("repo")
        let source = dir.appending("node")
        try FileManager.default.createDirectory(atPath: source + "/vcr", withIntermediateDirectories: true)
        try writeRandomFile(source + "/vcr/data.bin", bytes: 400_000, seed: 9)
        #expect(try await admin.run(["init", "--repo", repo]).status == 0)
        let keyPath = dir.appending("host.key")
        let added = try await admin.run(["key", "add", "--repo", repo, "--write-only", keyPath])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int == 0o600)
        let again = try await admin.run(["key", "add", "--repo", repo, "--write-only", keyPath])
        #expect(again.status != 0)
        #expect(again.stderr.contains("\(keyPath) already exists"), "\(again.stderr)")

        // The host: no password anywhere in its environment.
        let host = CLI(password: nil, extra: ["LIFEBOAT_CACHE_DIR": dir.appending("cache")])
        let first = try await host.run(["backup", "--repo", repo, "--write-only-key", keyPath, "--node", "nuts-1", "--json", source])
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let id = try #require(summary["snapshot_id"] as? String)
        let second = try await host.run(["backup", "--repo", repo, "--write-only-key", keyPath, "--node", "nuts-1", "--json", source])
        let secondSummary = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect((secondSummary["bytes_added"] as? Int ?? .max) < 20_000, "\(second.stdout)")

        // Nothing that reads takes the write-only key, and the key file is no password.
        let list = try await host.run(["snapshots", "--repo", repo, "--write-only-key", keyPath])
        #expect(list.status == 64, "\(list.stderr)")
        let asKeyFile = try await host.run(["snapshots", "--repo", repo, "--key-file", keyPath])
        #expect(asKeyFile.status != 0)
        #expect(asKeyFile.stderr.contains("the key file does not open"), "\(asKeyFile.stderr)")
        let both = try await host.run(["backup", "--repo", repo, "--write-only-key", keyPath, "--password-file", keyPath, source])
        #expect(both.status == 64, "\(both.stderr)")
        #expect(both.stderr.contains("give either --write-only-key or --password-file/--key-file"), "\(both.stderr)")

        let restored = dir.appending("restored")
        let restore = try await admin.run(["restore", "--repo", repo, id, "--target", restored])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(
            FileManager.default.contents(atPath: restored + "/node/vcr/data.bin")
                == FileManager.default.contents(atPath: source + "/vcr/data.bin"))
        let keys = try await admin.run(["key", "list", "--repo", repo, "--json"])
        #expect(keys.stdout.contains("\"write-only\""), "\(keys.stdout)")
        let check = try await admin.run(["check", "--repo", repo, "--read-data"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
