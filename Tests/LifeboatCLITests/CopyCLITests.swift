import Foundation
import LifeboatTestSupport
import Testing

/// `lifeboat copy` between a local repository and one on a real S3 API server (moto).
@Suite struct CopyCLITests {
    struct CopyJSON: Decodable {
        struct Row: Decodable {
            var sourceId: String
            var targetId: String
        }
        var copied: [Row]
        var skipped: [Row]
        var blobsAdded: Int
        var bytesAdded: Int64
    }

    @Test func copyLocalToS3AndLocal() async throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let dir = try TemporaryDirectory(prefix: "lifeboat-copycli")
        defer { dir.remove() }
        let sourcePassword = dir.appending("source.pass")
        try "source secret\n".write(toFile: sourcePassword, atomically: true, encoding: .utf8)
        let cli = CLI(
            password: "target secret",
            extra: ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret", "AWS_REGION": "us-east-1"])
        let local = dir.appending("repo")
        let s3 = "s3:\(moto.endpoint)/offsite/lifeboat"
        let other = dir.appending("other")
        let node = dir.appending("node")
        try FileManager.default.createDirectory(atPath: node, withIntermediateDirectories: true)
        try writeRandomFile(node + "/data.bin", bytes: 3_000_000, seed: 5)
        #expect(try await cli.run(["init", "--repo", local, "--password-file", sourcePassword]).status == 0)
        #expect(try await cli.run(["init", "--repo", s3]).status == 0)
        #expect(try await cli.run(["init", "--repo", other]).status == 0)
        let backup = try await cli.run(["backup", "--repo", local, "--password-file", sourcePassword, "--node", "nuts-1", node])
        #expect(backup.status == 0, "\(backup.stderr)")

        let first = try await cli.run(["copy", "--from", local, "--from-password-file", sourcePassword, "--to", s3, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let firstResult = try decoder.decode(CopyJSON.self, from: Data(first.stdout.utf8))
        #expect(firstResult.copied.count == 1)
        #expect(firstResult.bytesAdded >= 3_000_000)

        let second = try await cli.run([
            "copy", "--from", local, "--from-password-file", sourcePassword, "--to", s3, "--node", "nuts-1", "--json",
        ])
        #expect(second.status == 0, "\(second.stderr)")
        let secondResult = try decoder.decode(CopyJSON.self, from: Data(second.stdout.utf8))
        #expect(secondResult.copied.isEmpty && secondResult.skipped.count == 1 && secondResult.blobsAdded == 0)

        // S3 → local, through the environment variables for the source password.
        var env = cli.environment
        env["LIFEBOAT_FROM_PASSWORD"] = "target secret"
        let chained = CLI(password: "target secret", extra: env)
        let third = try await chained.run(["copy", "--from", s3, "--to", other, "latest"])
        #expect(third.status == 0, "\(third.stderr)")

        for (repo, password) in [(s3, "target secret"), (other, "target secret")] {
            let out = dir.appending("out-\(repo.hasPrefix("s3") ? "s3" : "other")")
            let restore = try await CLI(password: password, extra: cli.environment).run([
                "restore", "--repo", repo, "latest", "--target", out,
            ])
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(FileManager.default.contentsEqual(atPath: node + "/data.bin", andPath: out + "/node/data.bin"))
            let check = try await cli.run(["check", "--repo", repo, "--read-data"])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        }
        let wrongPassword = dir.appending("wrong.pass")
        try "not it\n".write(toFile: wrongPassword, atomically: true, encoding: .utf8)
        let wrong = try await cli.run(["copy", "--from", local, "--from-password-file", wrongPassword, "--to", s3])
        #expect(wrong.status == 12, "\(wrong.stderr)")
        for r in [first, second, third, wrong] { #expect(!(r.stdout + r.stderr).contains("secret")) }
    }
}
