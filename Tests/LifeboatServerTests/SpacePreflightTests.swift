import Foundation
import LifeboatJobs
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A repository on a real 48 MiB tmpfs (mounting needs root, as scripts/test and CI run):
/// the first backup of 20 MB fits; the next, expected to store as much again plus the margin,
/// does not, and is refused before it writes anything, with the reason; the free space is a
/// metric and the doctor warns below its threshold.
@Suite(.serialized) struct SpacePreflightTests {
    @Test func aRunThatCannotFitIsRefusedBeforeWriting() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-space")
        let mountPoint = dir.appending("fs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=48m,mode=0700") == 0 else {
            Issue.record("mounting a 48 MiB tmpfs failed (\(String(cString: strerror(errno)))); run the tests as root")
            dir.remove()
            return
        }
        defer {
            umount2(mountPoint, Int32(MNT_DETACH))
            dir.remove()
        }
        let events = dir.appending("node/events")
        try FileManager.default.createDirectory(atPath: events, withIntermediateDirectories: true)
        try writeRandom(events + "/a.bin", 20_000_000, seed: 1)
        let yaml = """
            catalog: \(dir.appending("catalog.sqlite"))
            repositories:
              primary: {url: \(mountPoint)/repo, password_env: LB_TEST_PASSWORD}
            api:
              tokens:
                - {name: ops, role: operator, sha256: \(DaemonHarness.sha256(DaemonHarness.operatorToken))}
                - {name: watcher, role: viewer, sha256: \(DaemonHarness.sha256(DaemonHarness.viewerToken))}
            jobs: {shutdown_grace: 5s}
            nodes:
              - name: n1
                datadir: \(dir.appending("node"))
                stores:
                  - {type: dir, path: events}
                backups: {interval: 1h, max: 5, repositories: [primary]}
            """
        let h = try await DaemonHarness(dir: dir, configuration: yaml)

        let first = try await h.waitForJob(
            try #require((try await h.call(.POST, "/api/v1/nodes/n1/backups").json as? [String: Any])?["id"] as? Int64))
        #expect(first["state"] as? String == "Completed", "\(first)")

        // New data of the same size: the next run is expected to store 20 MB again.
        try FileManager.default.removeItem(atPath: events + "/a.bin")
        try writeRandom(events + "/b.bin", 20_000_000, seed: 2)
        let before = RepositoryFiles.list(mountPoint + "/repo")
        let second = try await h.waitForJob(
            try #require((try await h.call(.POST, "/api/v1/nodes/n1/backups").json as? [String: Any])?["id"] as? Int64))
        #expect(second["state"] as? String == "Failed", "\(second)")
        let error = second["error"] as? String ?? ""
        #expect(error.contains("not started, nothing written"), "\(error)")
        #expect(error.contains("repository primary"), "\(error)")
        #expect(error.contains("free"), "\(error)")
        #expect(RepositoryFiles.list(mountPoint + "/repo") == before, "the refused run wrote to the repository")

        let metrics = try await h.call(.GET, "/metrics", token: nil).text
        let line = try #require(
            metrics.split(separator: "\n").first { $0.hasPrefix("lifeboat_repository_free_bytes{repository=\"primary\"}") })
        let reported = try #require(Double(line.split(separator: " ").last ?? ""))
        var info = statvfs()
        #expect(statvfs(mountPoint, &info) == 0)
        let actual = Double(info.f_bavail) * Double(info.f_frsize)
        #expect(abs(reported - actual) < 1_048_576, "metric \(reported) vs statvfs \(actual)")
        #expect(reported < 32_000_000, "the first backup took about 20 MB of the 48 MiB")

        let doctor = try #require(try await h.call(.GET, "/api/v1/doctor").json as? [String: Any])
        let findings = doctor["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["check"] as? String == "space-low" && $0["severity"] as? String == "warning" }, "\(findings)")
        await h.stop(keep: true)
    }

    func writeRandom(_ path: String, _ count: Int, seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        try Data(generator.bytes(count)).write(to: URL(fileURLWithPath: path))
    }
}

/// The files of a repository with their sizes, to show a refused run wrote nothing.
enum RepositoryFiles {
    static func list(_ root: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for name in (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? [] {
            var info = stat()
            if stat(root + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { out[name] = Int64(info.st_size) }
        }
        return out
    }
}
