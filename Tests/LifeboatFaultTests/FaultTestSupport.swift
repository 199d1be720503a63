import Foundation
import LifeboatCore
import LifeboatS3
import LifeboatTestSupport
import Logging

/// Keys moto accepts while it does not check signatures.
let motoCredentials = S3Credentials(accessKeyID: "AKIAFAULTTESTS000001", secretAccessKey: "fault-test-secret-value")

/// The password of every repository in these tests.
let repositoryPassword = "fault test password"

/// A bucket name no other test uses.
func freshBucket() -> String {
    "lb-fault-" + String(UInt64.random(in: .min ... .max), radix: 16)
}

/// A configuration for `bucket/prefix` at `endpoint` (moto itself or a proxy in front of it).
func faultConfiguration(
    endpoint: String, bucket: String, prefix: String = "repo", attempts: Int = 5, timeout: Duration = .seconds(30)
) throws -> S3Configuration {
    var configuration = try S3Configuration.resolve(
        url: "s3:\(endpoint)/\(bucket)/\(prefix)", region: "us-east-1", credentials: motoCredentials, environment: [:])
    configuration.retry = S3RetryPolicy(maximumAttempts: attempts, baseDelay: .milliseconds(10), maximumDelay: .milliseconds(100))
    configuration.requestTimeout = timeout
    configuration.connectTimeout = timeout
    return configuration
}

/// Runs `body` with a storage for `configuration`, shutting it down after, whatever happens.
func withStorage<T>(_ configuration: S3Configuration, _ body: (S3Storage) async throws -> T) async throws -> T {
    let storage = try S3Storage(configuration: configuration, logger: Logger(label: "lifeboat.fault-tests"))
    do {
        let result = try await body(storage)
        try await storage.shutdown()
        return result
    } catch {
        try? await storage.shutdown()
        throw error
    }
}

/// A small node directory that changes between backups: files of several sizes, some nested,
/// rewritten, grown, removed and added from one version to the next.
struct ChangingTree {
    /// The directory on disk.
    let root: String
    /// Every file's bytes by path relative to `root`: what a restore must reproduce.
    private(set) var files: [String: Data] = [:]
    private var generator: SeededGenerator
    private var added = 0

    init(root: String, seed: UInt64) throws {
        self.root = root
        generator = SeededGenerator(seed: seed)
        for index in 0..<8 {
            try put(index % 3 == 0 ? "db/file-\(index).bin" : "file-\(index).bin", size: size())
        }
    }

    /// Rewrites, appends to, removes and adds a few files.
    mutating func change() throws {
        for path in files.keys.sorted() where generator.next() % 3 == 0 {
            switch generator.next() % 3 {
            case 0:
                try put(path, size: size())
            case 1:
                var data = files[path] ?? Data()
                data.append(contentsOf: generator.bytes(Int(generator.next() % 50_000) + 1))
                try write(path, data)
            default:
                try FileManager.default.removeItem(atPath: root + "/" + path)
                files[path] = nil
            }
        }
        added += 1
        try put("db/added-\(added).bin", size: size())
    }

    /// The paths whose bytes differ between these files and those in `directory` (directories aside).
    func differences(in directory: String) -> [String] {
        var found: [String: Data] = [:]
        let paths = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        for path in paths {
            var isDirectory: ObjCBool = false
            let full = directory + "/" + path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                found[path] = FileManager.default.contents(atPath: full)
            }
        }
        return Set(found.keys).union(files.keys).filter { found[$0] != files[$0] }.sorted()
    }

    private mutating func size() -> Int {
        switch generator.next() % 4 {
        case 0: return Int(generator.next() % 2_000)
        case 1, 2: return 2_000 + Int(generator.next() % 100_000)
        default: return 100_000 + Int(generator.next() % 400_000)
        }
    }

    private mutating func put(_ path: String, size: Int) throws {
        try write(path, Data(generator.bytes(size)))
    }

    private mutating func write(_ path: String, _ data: Data) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        files[path] = data
    }
}

/// The built `lifeboat` binary, run as a separate process as scripts run it.
struct LifeboatCLI {
    /// What a finished run printed and how it ended.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let environment: [String: String]

    /// The binary next to the test bundle.
    static let binary: String = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("lifeboat").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "lifeboat"
    }()

    /// A CLI with the repository password and the given S3 keys, nothing from this machine's AWS setup.
    init(accessKeyID: String = motoCredentials.accessKeyID, secretAccessKey: String = motoCredentials.secretAccessKey) {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("LIFEBOAT_") }
        environment["LIFEBOAT_PASSWORD"] = repositoryPassword
        environment["AWS_ACCESS_KEY_ID"] = accessKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = secretAccessKey
        environment["AWS_REGION"] = "us-east-1"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        environment["AWS_CONFIG_FILE"] = "/dev/null"
        self.environment = environment
    }

    /// Starts the binary without waiting; output goes nowhere (for kill tests).
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs to completion, awaited off the cooperative pool (see ProcessOutcome).
    func run(_ arguments: [String]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        let outcome = await ProcessOutcome.collect(process)
        return Result(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }
}
