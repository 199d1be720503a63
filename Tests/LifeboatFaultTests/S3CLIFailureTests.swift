import Foundation
import LifeboatCore
import LifeboatS3
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the `lifeboat` CLI says when S3 is set up wrong, and what a `kill -9` mid-backup leaves.
///
/// Each misconfiguration gives exactly one line on stderr naming what is wrong, and a non-zero
/// exit status. A wrong database password is covered by the PostgreSQL store's own tests
/// (`PostgresStoreTests.wrongPasswordUnreachableServerAndMissingDatabaseGiveClearErrors`,
/// "refused the password") and the Redis store's (`RedisStoreTests`).
@Suite struct S3CLIFailureTests {
    /// The single stderr line of a failed run, without the `lifeboat: error: ` prefix; fails the test otherwise.
    private func singleError(_ result: LifeboatCLI.Result, _ label: String) -> String {
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(label): expected one line, got: \(result.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("lifeboat: error: "), "\(label): \(line)")
        #expect(!result.stderr.contains(motoCredentials.secretAccessKey), "\(label): the secret leaked")
        return String(line.dropFirst("lifeboat: error: ".count))
    }

    @Test func wrongCredentialsAreNamedOnceWithTheKeyButNotTheSecret() async throws {
        // moto checks signatures after the first unauthenticated action, spent on creating the bucket.
        let moto = try await MotoServer.start(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "1"])
        defer { moto.stop() }
        let bucket = freshBucket()
        try await withStorage(try faultConfiguration(endpoint: moto.endpoint, bucket: bucket)) { try await $0.createBucket() }
        let cli = LifeboatCLI(accessKeyID: "AKIAWRONGWRONGWRONG1")
        for arguments in [["init"], ["snapshots"]] {
            let result = try await cli.run(arguments + ["--repo", "s3:\(moto.endpoint)/\(bucket)/repo"])
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            let message = singleError(result, "\(arguments)")
            #expect(message.contains("access key AKIAWRONGWRONGWRONG1"), "\(message)")
            #expect(message.contains("bucket \(bucket) at \(moto.endpoint)"), "\(message)")
            #expect(message.contains("credentials"), "\(message)")
        }
    }

    @Test func aMissingBucketIsNamedOnce() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let directory = try TemporaryDirectory(prefix: "lifeboat-s3-cli")
        defer { directory.remove() }
        _ = try ChangingTree(root: directory.appending("node"), seed: 4)
        let cli = LifeboatCLI()
        for arguments in [["snapshots"], ["backup", directory.appending("node")], ["check"]] {
            let result = try await cli.run(arguments + ["--repo", "s3:\(moto.endpoint)/no-such-bucket-here/repo"])
            #expect(result.status == 10, "\(arguments): \(result.status) \(result.stderr)")
            let message = singleError(result, "\(arguments)")
            #expect(message == "bucket no-such-bucket-here does not exist at \(moto.endpoint)", "\(message)")
        }
    }

    @Test func anUnreachableEndpointIsNamedOnceAfterTheRetries() async throws {
        let port = try unusedLoopbackPort()
        let started = ContinuousClock.now
        let result = try await LifeboatCLI().run(["snapshots", "--repo", "s3:http://127.0.0.1:\(port)/bucket/repo"])
        // Five attempts with backoff take seconds; the shared HTTP client's own reconnecting took minutes.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(result.status == 1, "\(result.status) \(result.stderr)")
        let message = singleError(result, "unreachable")
        #expect(
            message == "cannot reach S3 endpoint http://127.0.0.1:\(port): connection refused (after 5 attempts)", "\(message)")
    }

    @Test(arguments: [0.4, 1.2])
    func killDuringAnS3BackupLeavesAConsistentRepository(after seconds: Double) async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let directory = try TemporaryDirectory(prefix: "lifeboat-s3-kill")
        defer { directory.remove() }
        let repository = "s3:\(moto.endpoint)/\(freshBucket())/repo"
        let cli = LifeboatCLI()
        var tree = try ChangingTree(root: directory.appending("node"), seed: 12)
        #expect(try await cli.run(["init", "--repo", repository]).status == 0)
        let first = try await cli.run(["backup", "--repo", repository, tree.root])
        #expect(first.status == 0, "\(first.stderr)")
        let before = tree
        var generator = SeededGenerator(seed: 99)
        for index in 0..<5 {
            try Data(generator.bytes(6_000_000)).write(to: URL(fileURLWithPath: tree.root + "/big-\(index).bin"))
        }
        let process = try cli.start(["backup", "--repo", repository, tree.root])
        usleep(useconds_t(seconds * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        let check = try await cli.run(["check", "--repo", repository, "--read-data"])
        #expect(check.status == 0, "check after kill: \(check.stdout) \(check.stderr)")
        let list = try await cli.run(["snapshots", "--repo", repository, "--json"])
        let snapshots = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect((1...2).contains(snapshots.count), "\(list.stdout)")
        // The first snapshot, and the second if the kill came after it was stored, hold the
        // files of the first backup (the second also the big files, whole or not at all).
        for id in snapshots.compactMap({ $0["id"] as? String }) {
            let restored = directory.appending("restore-\(id)")
            let restore = try await cli.run(["restore", "--repo", repository, id, "--target", restored])
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(before.differences(in: restored + "/node").filter { !$0.hasPrefix("big-") }.isEmpty)
        }

        try tree.change()
        let next = try await cli.run(["backup", "--repo", repository, tree.root])
        #expect(next.status == 0, "backup after kill: \(next.stderr)")
        let latest = directory.appending("restore-latest")
        #expect(try await cli.run(["restore", "--repo", repository, "latest", "--target", latest]).status == 0)
        let differences = tree.differences(in: latest + "/node").filter { !$0.hasPrefix("big-") }
        #expect(differences.isEmpty, "\(differences)")
    }

    /// A loopback port nothing listens on (bound once, then released).
    private func unusedLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard named else { throw LifeboatError(.io, "could not bind a loopback socket") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
