import AsyncHTTPClient
import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatS3

/// The moto server of the suite that is running, provided by ``MotoServerTrait``.
enum Moto {
    @TaskLocal static var current: MotoServer?

    /// The running suite's server; fails the test when the suite has none.
    static func server() throws -> MotoServer {
        try #require(current, "this test needs a suite marked @Suite(.motoServer)")
    }
}

/// Starts one moto_server around a whole suite (not per test: it takes seconds to start) and stops it after.
///
/// Failing to start fails the suite's tests; they are never skipped.
struct MotoServerTrait: SuiteTrait, TestScoping {
    /// Extra environment for the server.
    var environment: [String: String] = [:]

    func scopeProvider(for test: Test, testCase: Test.Case?) -> MotoServerTrait? {
        test.isSuite ? self : nil
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try await MotoServer.start(environment: environment)
        defer { server.stop() }
        try await Moto.$current.withValue(server) {
            try await function()
        }
    }
}

extension Trait where Self == MotoServerTrait {
    /// A moto_server for the whole suite, reachable through `Moto.server()`.
    static var motoServer: Self { MotoServerTrait() }
}

/// Credentials moto accepts while it does not check signatures.
let fakeCredentials = S3Credentials(accessKeyID: "AKIAFAKEFAKEFAKE0001", secretAccessKey: "fake-secret-for-tests")

/// A bucket name no other test uses.
func uniqueBucket() -> String {
    "lb-test-" + String(UInt64.random(in: .min ... .max), radix: 16)
}

/// A configuration for a bucket on `server` with fast retries.
func s3Configuration(
    _ server: MotoServer, bucket: String, prefix: String = "repo/main", credentials: S3Credentials = fakeCredentials
) throws -> S3Configuration {
    let url = "s3:\(server.endpoint)/\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)")
    var configuration = try S3Configuration.resolve(url: url, region: "us-east-1", credentials: credentials, environment: [:])
    configuration.retry = S3RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(20), maximumDelay: .milliseconds(200))
    return configuration
}

/// Runs `body` with a storage on a fresh bucket (created unless `createBucket` is false), shutting it down after.
func withS3Storage<T>(
    _ configuration: S3Configuration, createBucket: Bool = true, _ body: (S3Storage) async throws -> T
) async throws -> T {
    let storage = try S3Storage(configuration: configuration)
    do {
        if createBucket { try await storage.createBucket() }
        let result = try await body(storage)
        try await storage.shutdown()
        return result
    } catch {
        try? await storage.shutdown()
        throw error
    }
}

/// What a finished command printed and how it ended.
struct CommandResult {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs a command (looked up on PATH) off the cooperative threads, with output collected in files.
func runCommand(_ arguments: [String], environment: [String: String]) async throws -> CommandResult {
    let directory = try TemporaryDirectory(prefix: "lifeboat-command")
    defer { directory.remove() }
    let outputPath = directory.appending("stdout")
    let errorPath = directory.appending("stderr")
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
                process.environment = environment
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = FileHandle(forWritingAtPath: outputPath)
                process.standardError = FileHandle(forWritingAtPath: errorPath)
                try process.run()
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
    return CommandResult(
        status: status, output: try String(contentsOfFile: outputPath, encoding: .utf8),
        errors: try String(contentsOfFile: errorPath, encoding: .utf8))
}

/// Runs the `aws` CLI against `server` with the given keys and no configuration from this machine.
func aws(
    _ server: MotoServer, _ arguments: [String], accessKeyID: String = fakeCredentials.accessKeyID,
    secretAccessKey: String = fakeCredentials.secretAccessKey
) async throws -> CommandResult {
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
    environment["AWS_ACCESS_KEY_ID"] = accessKeyID
    environment["AWS_SECRET_ACCESS_KEY"] = secretAccessKey
    environment["AWS_DEFAULT_REGION"] = "us-east-1"
    environment["AWS_CONFIG_FILE"] = "/dev/null"
    environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    environment["AWS_EC2_METADATA_DISABLED"] = "true"
    return try await runCommand(["aws", "--endpoint-url", server.endpoint] + arguments, environment: environment)
}

/// `count` pseudo-random bytes, different for each seed.
func testBytes(_ count: Int, seed: UInt64) -> Data {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var words = [UInt64](repeating: 0, count: (count + 7) / 8)
    for index in words.indices {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        words[index] = state
    }
    return words.withUnsafeBytes { Data($0.prefix(count)) }
}

/// A 64-character hex name like a content id.
func hexName(_ seed: UInt64) -> String {
    Hex.encode(testBytes(32, seed: seed))
}
