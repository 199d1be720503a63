import Foundation
import LifeboatTestSupport
import Testing

@Suite struct CLITests {
    let cli = CLI()

    /// A repository and a small source tree in a fresh temp directory.
    func setUp() async throws -> (TemporaryDirectory, repo: String, source: String) {
        let dir = try TemporaryDirectory(prefix: "lifeboat-cli")
        let repo = dir.appending("repo")
        let source = dir.appending("node")
        try FileManager.default.createDirectory(atPath: source + "/vcr", withIntermediateDirectories: true)
        try writeRandomFile(source + "/vcr/data.bin", bytes: 300_000, seed: 1)
        try Data("NutsOrganizationCredential:\n  - did:nuts:1\n".utf8).write(to: URL(fileURLWithPath: source + "/vcr/trusted_issuers.yaml"))
        let r = try await cli.run(["init", "--repo", repo])
        #expect(r.status == 0, "\(r.stderr)")
        return (dir, repo, source)
    }

    @Test func backupSnapshotsRestoreWithJSON() async throws {
        let (dir, repo, source) = try await setUp()
        defer { dir.remove() }
        let backup = try await cli.run(["backup", "--repo", repo, "--tag", "nightly", "--node", "nuts-1", "--json", source])
        #expect(backup.status == 0, "\(backup.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        let id = try #require(summary["snapshot_id"] as? String)
        #expect(id.count == 64)
        #expect(summary["files"] as? Int == 2)
        let list = try await cli.run(["snapshots", "--repo", repo, "--json"])
        #expect(list.status == 0)
        let snaps = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(snaps.count == 1)
        #expect(snaps[0]["id"] as? String == id)
        #expect(snaps[0]["tags"] as? [String] == ["nightly"])
        #expect(snaps[0]["node"] as? String == "nuts-1")
        #expect(snaps[0]["kind"] as? String == "state")
        #expect(!list.stdout.contains("cli test password"))
        let target = dir.appending("out")
        let restore = try await cli.run(["restore", "--repo", repo, String(id.prefix(8)), "--target", target])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: source + "/vcr/data.bin", andPath: target + "/node/vcr/data.bin"))
        let again = try await cli.run(["restore", "--repo", repo, "latest", "--target", target])
        #expect(again.status != 0)
        #expect(again.stderr.contains("not empty"))
        #expect(again.stderr.split(separator: "\n").count == 1, "one line: \(again.stderr)")
        let stats = try await cli.run(["stats", "--repo", repo, "--json"])
        let s = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect((s["logical_bytes"] as? Int ?? 0) > 300_000)
        #expect((s["stored_bytes"] as? Int ?? 0) > 0)
        #expect(s["dedup_ratio"] != nil)
    }

    @Test func badInputGetsOneLineAndAnExitCode() async throws {
        let (dir, repo, source) = try await setUp()
        defer { dir.remove() }
        let wrong = try await CLI(password: "nope").run(["snapshots", "--repo", repo])
        #expect(wrong.status == 12)
        #expect(wrong.stderr.contains("wrong password"))
        let missing = try await cli.run(["snapshots", "--repo", dir.appending("nothing")])
        #expect(missing.status == 10)
        #expect(missing.stderr.contains("no Lifeboat repository"))
        let notRepo = try await cli.run(["snapshots", "--repo", source])
        #expect(notRepo.status == 10)
        let unknown = try await cli.run(["restore", "--repo", repo, "abcdef12", "--target", dir.appending("x")])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("abcdef12"))
        let noPassword = try await CLI(password: nil).run(["snapshots", "--repo", repo])
        #expect(noPassword.status == 64)
        #expect(noPassword.stderr.contains("LIFEBOAT_PASSWORD"))
        let noPath = try await cli.run(["backup", "--repo", repo, dir.appending("does-not-exist")])
        #expect(noPath.status == 64)
        #expect(noPath.stderr.contains("does-not-exist"))
        let badKeep = try await cli.run(["forget", "--repo", repo, "--keep-last", "0"])
        #expect(badKeep.status == 64)
        let twice = try await cli.run(["init", "--repo", repo])
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("already exists"))
        for r in [wrong, missing, notRepo, unknown, noPassword, twice] {
            #expect(r.stderr.split(separator: "\n").count == 1, "not one line: \(r.stderr)")
            #expect(!r.stderr.contains("cli test password"))
        }
    }

    @Test func checkNamesAFlippedByteInAPack() async throws {
        let (dir, repo, source) = try await setUp()
        defer { dir.remove() }
        #expect(try await cli.run(["backup", "--repo", repo, source]).status == 0)
        #expect(try await cli.run(["check", "--repo", repo, "--read-data"]).status == 0)
        let packs = FileManager.default.enumerator(atPath: repo + "/data")?.compactMap { $0 as? String }.filter { $0.count > 10 } ?? []
        let pack = try #require(packs.first)
        let path = repo + "/data/" + pack
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[100] ^= 1
        try bytes.write(to: URL(fileURLWithPath: path))
        let check = try await cli.run(["check", "--repo", repo, "--read-data"])
        #expect(check.status == 1)
        #expect(check.stderr.contains((pack as NSString).lastPathComponent))
        let restore = try await cli.run(["restore", "--repo", repo, "latest", "--target", dir.appending("out")])
        #expect(restore.status == 1)
        #expect(restore.stderr.contains("data.bin"))
        #expect(!FileManager.default.fileExists(atPath: dir.appending("out/node/vcr/data.bin")))
    }

    /// A damaged snapshot manifest is named by `snapshots` (which lists the rest and fails),
    /// and a damaged index file is rebuilt by `repair index` after which check is clean.
    @Test func damagedManifestAndIndexFromTheCommandLine() async throws {
        let (dir, repo, source) = try await setUp()
        defer { dir.remove() }
        #expect(try await cli.run(["backup", "--repo", repo, source]).status == 0)
        try writeRandomFile(source + "/vcr/second.bin", bytes: 200_000, seed: 2)
        #expect(try await cli.run(["backup", "--repo", repo, source]).status == 0)
        func names(_ kind: String) -> [String] {
            (FileManager.default.enumerator(atPath: repo + "/" + kind)?.compactMap { $0 as? String } ?? [])
                .filter { ($0 as NSString).lastPathComponent.count == 64 }.sorted()
        }
        let manifests = names("snapshots")
        #expect(manifests.count == 2)
        let victim = repo + "/snapshots/" + manifests[0]
        let original = try Data(contentsOf: URL(fileURLWithPath: victim))
        try original.prefix(10).write(to: URL(fileURLWithPath: victim))
        let listed = try await cli.run(["snapshots", "--repo", repo, "--json"])
        #expect(listed.status == 1)
        let shortVictim = String((manifests[0] as NSString).lastPathComponent.prefix(8))
        #expect(listed.stderr.contains(shortVictim) && listed.stderr.contains("lifeboat check"), "\(listed.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 1)
        try original.write(to: URL(fileURLWithPath: victim))

        let index = try #require(names("index").first)
        let indexPath = repo + "/index/" + index
        var bytes = try Data(contentsOf: URL(fileURLWithPath: indexPath))
        bytes[bytes.count / 2] ^= 4
        try bytes.write(to: URL(fileURLWithPath: indexPath))
        let broken = try await cli.run(["check", "--repo", repo])
        #expect(broken.status == 1 && broken.stderr.contains("repair index"), "\(broken.stderr)")
        let restore = try await cli.run(["restore", "--repo", repo, "latest", "--target", dir.appending("out")])
        #expect(restore.status == 0, "\(restore.stderr)")
        let repair = try await cli.run(["repair", "index", "--repo", repo, "--json"])
        #expect(repair.status == 0, "\(repair.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(repair.stdout.utf8)) as? [String: Any]
        #expect((report?["damaged_index_files"] as? [String])?.first?.hasSuffix((index as NSString).lastPathComponent) == true)
        let clean = try await cli.run(["check", "--repo", repo, "--read-data"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stdout.contains("warning") && !clean.stderr.contains("warning"), "\(clean.stdout)\(clean.stderr)")
    }

    @Test func keyFileAndKeyCommands() async throws {
        let (dir, repo, _) = try await setUp()
        defer { dir.remove() }
        let keyFile = dir.appending("repo.key")
        #expect(try await cli.run(["key", "generate", "-o", keyFile]).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await cli.run(["key", "add", "--repo", repo, "--new-key-file", keyFile]).status == 0)
        let list = try await CLI(password: nil).run(["key", "list", "--repo", repo, "--key-file", keyFile, "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(keys.count == 2)
        #expect(keys.filter { $0["current"] as? Bool == true }.first?["kind"] as? String == "keyfile")
    }
}

/// A repository on a tiny tmpfs: the backup that fills it fails with one line, and the
/// repository stays whole (earlier snapshots restore, check is clean once space is back).
@Suite struct DiskFullCLITests {
    let cli = CLI()

    @Test func backupIntoAFullDiskFailsCleanly() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-full")
        defer { dir.remove() }
        let mountPoint = dir.appending("small")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        // The suite runs as root (scripts/test and CI); a failure to mount is a failure.
        try #require(mount("tmpfs", mountPoint, "tmpfs", 0, "size=6m") == 0, "cannot mount a tmpfs: \(String(cString: strerror(errno)))")
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let repo = mountPoint + "/repo"
        let source = dir.appending("node")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try writeRandomFile(source + "/small.bin", bytes: 1_000_000, seed: 8)
        #expect(try await cli.run(["init", "--repo", repo]).status == 0)
        #expect(try await cli.run(["backup", "--repo", repo, source]).status == 0)
        try writeRandomFile(source + "/big.bin", bytes: 12_000_000, seed: 9)
        let full = try await cli.run(["backup", "--repo", repo, source])
        #expect(full.status == 1)
        #expect(full.stderr.contains("no space left on device"), "\(full.stderr)")
        #expect(full.stderr.split(separator: "\n").count == 1, "one line: \(full.stderr)")
        let list = try await cli.run(["snapshots", "--repo", repo, "--json"])
        let snaps = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(snaps.count == 1)
        let restore = try await cli.run(["restore", "--repo", repo, "latest", "--target", dir.appending("out")])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: source + "/small.bin", andPath: dir.appending("out/node/small.bin")))
        try FileManager.default.removeItem(atPath: source + "/big.bin")
        #expect(try await cli.run(["prune", "--repo", repo]).status == 0)
        let check = try await cli.run(["check", "--repo", repo, "--read-data"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
