import Foundation
import LifeboatTestSupport
import Testing

/// `kill -9` at any moment of a backup or a prune leaves a repository that checks clean,
/// restores its earlier snapshots and takes the next backup.
@Suite struct KillTests {
    let cli = CLI()

    @Test(arguments: [0.15, 0.4, 0.8])
    func killDuringBackup(after seconds: Double) throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-kill")
        defer { dir.remove() }
        let repo = dir.appending("repo")
        let source = dir.appending("node")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try writeRandomFile(source + "/first.bin", bytes: 2_000_000, seed: 3)
        #expect(try cli.run(["init", "--repo", repo]).status == 0)
        #expect(try cli.run(["backup", "--repo", repo, source]).status == 0)
        for i in 0..<6 { try writeRandomFile(source + "/big\(i).bin", bytes: 8_000_000, seed: UInt64(10 + i)) }
        let process = try cli.start(["backup", "--repo", repo, source], quiet: true)
        usleep(useconds_t(seconds * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try expectHealthy(repo: repo, dir: dir, source: source)
    }

    @Test(arguments: [0.05, 0.2, 0.5])
    func killDuringPrune(after seconds: Double) throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-kill")
        defer { dir.remove() }
        let repo = dir.appending("repo")
        let source = dir.appending("node")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        #expect(try cli.run(["init", "--repo", repo]).status == 0)
        for i in 0..<4 {
            try writeRandomFile(source + "/rolling.bin", bytes: 6_000_000, seed: UInt64(100 + i))
            try writeRandomFile(source + "/keep\(i).bin", bytes: 500_000, seed: UInt64(200 + i))
            #expect(try cli.run(["backup", "--repo", repo, source]).status == 0)
        }
        #expect(try cli.run(["forget", "--repo", repo, "--keep-last", "2"]).status == 0)
        let process = try cli.start(["prune", "--repo", repo], quiet: true)
        usleep(useconds_t(seconds * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try expectHealthy(repo: repo, dir: dir, source: source)
        #expect(try cli.run(["prune", "--repo", repo]).status == 0)
        let check = try cli.run(["check", "--repo", repo, "--read-data"])
        #expect(check.status == 0)
        #expect(!check.stdout.contains("warning"), "\(check.stdout)")
    }

    private func expectHealthy(repo: String, dir: TemporaryDirectory, source: String) throws {
        let check = try cli.run(["check", "--repo", repo, "--read-data"])
        #expect(check.status == 0, "check after kill: \(check.stdout) \(check.stderr)")
        let list = try cli.run(["snapshots", "--repo", repo, "--json"])
        let snaps = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(!snaps.isEmpty)
        for (i, snap) in snaps.enumerated() {
            let id = try #require(snap["id"] as? String)
            let r = try cli.run(["restore", "--repo", repo, id, "--target", dir.appending("out-\(i)")])
            #expect(r.status == 0, "restore \(id) after kill: \(r.stderr)")
        }
        let next = try cli.run(["backup", "--repo", repo, source])
        #expect(next.status == 0, "backup after kill: \(next.stderr)")
    }
}
