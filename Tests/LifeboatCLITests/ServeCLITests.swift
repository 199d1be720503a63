import Foundation
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `lifeboat serve` as operators run it: the CLI client commands against it, and a
/// `kill -9` that loses no history.
@Suite(.serialized) struct ServeCLITests {
    static let token = "cli-operator-token"

    func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    func writeConfig(_ dir: TemporaryDirectory, port: Int) throws -> String {
        try FileManager.default.createDirectory(atPath: dir.appending("node/events"), withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: URL(fileURLWithPath: dir.appending("node/events/1.json")))
        let hash = Self.sha256Hex(Self.token)
        let yaml = """
            listen: 127.0.0.1:\(port)
            catalog: \(dir.appending("catalog.sqlite"))
            repositories:
              primary: {url: \(dir.appending("repo")), password_env: LIFEBOAT_TEST_REPO_PASSWORD}
            api:
              tokens: [{name: ops, role: operator, sha256: \(hash)}]
            jobs: {shutdown_grace: 2s}
            nodes:
              - name: n1
                datadir: \(dir.appending("node"))
                stores: [{type: dir, path: events}]
                backups: {interval: 2s, max: 50, repositories: [primary]}
            """
        let path = dir.appending("lifeboat.yaml")
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The SHA-256 of `text` in hex, from coreutils (as an operator makes a token hash).
    static func sha256Hex(_ text: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try? p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(String(decoding: out, as: UTF8.self).prefix(64))
    }

    func waitUntil(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    @Test func clientCommandsAndKillNineKeepsHistory() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-serve")
        defer { dir.remove() }
        let port = freePort()
        let config = try writeConfig(dir, port: port)
        let server = "http://127.0.0.1:\(port)"
        let cli = CLI(extra: ["LIFEBOAT_TEST_REPO_PASSWORD": "serve-pass", "LIFEBOAT_TOKEN": Self.token, "LIFEBOAT_SERVER": server])
        var daemon = try cli.start(["serve", "--config", config, "--init-repositories"], quiet: true)
        defer { kill(daemon.processIdentifier, SIGKILL) }
        #expect(try await waitUntil(30) { try await cli.run(["status"]).status == 0 })

        let run = try await cli.run(["run", "n1", "--wait", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let job = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(job["state"] as? String == "Completed")
        let jobID = try #require(job["id"] as? Int64)
        let shown = try await cli.run(["job", "\(jobID)"])
        #expect(shown.stdout.contains("Completed"), "\(shown.stdout)")
        let status = try await cli.run(["status"])
        #expect(status.stdout.contains("n1 (generic)"), "\(status.stdout)")
        #expect(status.stdout.contains("every 2s"), "\(status.stdout)")
        // Wait for scheduled runs too, then kill the daemon without warning.
        #expect(
            try await waitUntil(30) {
                try await cli.run(["history", "n1", "--json"]).stdout.components(separatedBy: "\"Completed\"").count > 3
            })
        let before = try await cli.run(["history", "n1", "--json", "--limit", "1000"])
        let beforeJobs = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [[String: Any]])
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()

        daemon = try cli.start(["serve", "--config", config], quiet: true)
        #expect(try await waitUntil(30) { try await cli.run(["status"]).status == 0 })
        let after = try await cli.run(["history", "n1", "--json", "--limit", "1000"])
        let afterJobs = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]])
        // Every job from before is still there, finished ones unchanged; one running at the kill is now Failed.
        for old in beforeJobs {
            let same = afterJobs.first { $0["id"] as? Int64 == old["id"] as? Int64 }
            #expect(same != nil)
            if old["state"] as? String == "Completed" { #expect(same?["state"] as? String == "Completed") }
        }
        // And the schedule keeps running after the restart.
        let completedBefore = afterJobs.filter { $0["state"] as? String == "Completed" }.count
        #expect(
            try await waitUntil(30) {
                let now = try await cli.run(["history", "n1", "--json", "--limit", "1000"]).stdout
                return now.components(separatedBy: "\"Completed\"").count - 1 > completedBefore
            })
        // A second daemon on the same catalog is refused.
        let second = try await cli.run(["serve", "--config", config])
        #expect(second.status != 0)
        #expect(second.stderr.contains("another lifeboat serve is using catalog"), "\(second.stderr)")
        // SIGTERM ends it cleanly.
        kill(daemon.processIdentifier, SIGTERM)
        #expect(try await waitUntil(20) { !daemon.isRunning })
        #expect(daemon.terminationStatus == 0)
        // The repository is consistent.
        let check = try await CLI(password: "serve-pass").run(["check", "--repo", dir.appending("repo"), "--read-data"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
    }

    @Test func clientErrorsAreClear() async throws {
        let port = freePort()
        let cli = CLI(extra: ["LIFEBOAT_SERVER": "http://127.0.0.1:\(port)"])
        let down = try await cli.run(["status"])
        #expect(down.status != 0)
        #expect(down.stderr.contains("cannot reach the daemon"), "\(down.stderr)")
        let badURL = try await CLI(extra: ["LIFEBOAT_SERVER": "ftp://x"]).run(["status"])
        #expect(badURL.status == 64 || badURL.status == 1)
        #expect(badURL.stderr.contains("is not an http(s)://HOST[:PORT] URL"), "\(badURL.stderr)")
    }
}
