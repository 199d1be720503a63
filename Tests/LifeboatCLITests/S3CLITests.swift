import Foundation
import LifeboatTestSupport
import Testing

/// The CLI against a real S3 API server (moto_server on loopback): `--repo s3:http://…`.
@Suite struct S3CLITests {
    @Test func initBackupRestoreCheckOnS3() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let cli = CLI(extra: ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret", "AWS_REGION": "us-east-1"])
        let dir = try TemporaryDirectory(prefix: "lifeboat-s3cli")
        defer { dir.remove() }
        let source = dir.appending("node")
        try FileManager.default.createDirectory(atPath: source + "/vdr", withIntermediateDirectories: true)
        try writeRandomFile(source + "/vdr/didstore.bin", bytes: 700_000, seed: 21)
        let repo = "s3:\(moto.endpoint)/lifeboat-bucket/nodes/nuts-1"
        let created = try await cli.run(["init", "--repo", repo])
        #expect(created.status == 0, "\(created.stderr)")
        let backup = try await cli.run(["backup", "--repo", repo, "--node", "nuts-1", source])
        #expect(backup.status == 0, "\(backup.stderr)")
        let restore = try await cli.run(["restore", "--repo", repo, "latest", "--target", dir.appending("out")])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(
            FileManager.default.contentsEqual(atPath: source + "/vdr/didstore.bin", andPath: dir.appending("out/node/vdr/didstore.bin")))
        let check = try await cli.run(["check", "--repo", repo, "--read-data"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // The secret never shows up in anything the CLI prints.
        for r in [created, backup, restore, check] {
            #expect(!(r.stdout + r.stderr).contains("testing-secret"))
        }
        let missing = try await cli.run(["snapshots", "--repo", "s3:\(moto.endpoint)/no-such-bucket/x"])
        #expect(missing.status == 10, "\(missing.stderr)")
        #expect(missing.stderr.contains("no-such-bucket"))
    }
}
