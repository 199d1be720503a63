import Foundation
import LifeboatTestSupport

/// Runs the built `lifeboat` binary as a separate process, as scripts do.
struct CLI {
    let environment: [String: String]

    /// The binary next to the test bundle (`.build/<config>/lifeboat`).
    static let binary: String = {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("lifeboat").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/lifeboat").path
    }()

    init(password: String? = "cli test password", extra: [String: String] = [:]) {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "LIFEBOAT_PASSWORD")
        env.removeValue(forKey: "LIFEBOAT_REPOSITORY")
        if let password { env["LIFEBOAT_PASSWORD"] = password }
        environment = env.merging(extra) { $1 }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs to completion, awaited off the cooperative pool (see ProcessOutcome).
    func run(_ arguments: [String]) async throws -> Result {
        let outcome = await ProcessOutcome.collect(try start(arguments))
        return Result(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }

    /// Starts without waiting (for kill tests).
    func start(_ arguments: [String], quiet: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        if quiet {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        } else {
            process.standardOutput = Pipe()
            process.standardError = Pipe()
        }
        try process.run()
        return process
    }
}

/// Writes `count` bytes of pseudo-random data (incompressible) to a file.
func writeRandomFile(_ path: String, bytes count: Int, seed: UInt64) throws {
    var generator = SeededGenerator(seed: seed)
    try Data(generator.bytes(count)).write(to: URL(fileURLWithPath: path))
}
