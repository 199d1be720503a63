import Foundation
import LifeboatCore

@testable import LifeboatCrypto

/// A test failure with a readable message (a missing tool, a failed process).
struct AgeTestFailure: Error, CustomStringConvertible {
    let description: String
}

/// A fresh temporary directory per test, removed when the value goes away.
final class AgeTempDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-age-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: url.appendingPathComponent(name))
    }

    func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url.appendingPathComponent(name)))
    }
}

/// What a finished `age` / `age-keygen` process left behind.
struct AgeCLIResult {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs the real `age` / `age-keygen` binaries; they are a required test dependency, not optional.
enum AgeCLI {
    /// The absolute path of `name`, or a failure telling how to install it.
    static func path(_ name: String) throws -> String {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in searchPath.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let hint =
            name.hasPrefix("age")
            ? "apt-get install age" : "install \(name) (it drives age's passphrase prompt through a pseudo-terminal)"
        throw AgeTestFailure(description: "`\(name)` was not found on PATH; these interoperability tests need it: \(hint)")
    }

    /// Runs `tool` with `arguments` in `directory`; fails the test on a non-zero exit unless `allowFailure`.
    @discardableResult
    static func run(
        _ tool: String, _ arguments: [String], in directory: AgeTempDirectory,
        environment: [String: String] = [:], allowFailure: Bool = false
    ) throws -> AgeCLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(tool))
        process.arguments = arguments
        process.currentDirectoryURL = directory.url
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let tag = UUID().uuidString
        let outPath = directory.path("stdout-\(tag)")
        let errPath = directory.path("stderr-\(tag)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        let stdout = Array((try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data())
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        if process.terminationStatus != 0 && !allowFailure {
            throw AgeTestFailure(
                description: "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(stderr)")
        }
        return AgeCLIResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Runs `age` with a pseudo-terminal that answers every passphrase prompt with `passphrase`:
    /// age 1.1 reads passphrases only from a terminal, never from an environment variable.
    @discardableResult
    static func runWithPassphrase(
        _ arguments: [String], passphrase: String, in directory: AgeTempDirectory, allowFailure: Bool = false
    ) throws -> AgeCLIResult {
        let age = try path("age")
        _ = try path("python3")
        return try run(
            "python3", ["-c", ptyDriver, age] + arguments, in: directory,
            environment: ["LIFEBOAT_TEST_PASSPHRASE": passphrase], allowFailure: allowFailure)
    }

    /// Forks the command on a pty and types the passphrase after each prompt that mentions one.
    private static let ptyDriver = """
        import os, pty, select, sys, time
        secret = os.environ["LIFEBOAT_TEST_PASSPHRASE"].encode()
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[1], sys.argv[1:])
        seen, answered, deadline = b"", 0, time.time() + 120
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    sys.stderr.write(seen.decode(errors="replace"))
                    sys.exit(1)
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            seen += data
            while seen.lower().count(b"passphrase") > answered:
                os.write(fd, secret + b"\\n")
                answered += 1
        else:
            os.kill(pid, 9)
            sys.stderr.write("timed out; terminal said: " + seen.decode(errors="replace"))
            sys.exit(124)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.stderr.write(seen.decode(errors="replace"))
        sys.exit(code)
        """

    /// Makes a key file with `age-keygen -o` and returns its path and the identities in it.
    static func keygen(
        in directory: AgeTempDirectory, name: String
    ) throws -> (path: String, identity: AgeX25519Identity, publicKeyLine: String) {
        try run("age-keygen", ["-o", name], in: directory)
        let text = try String(contentsOfFile: directory.path(name), encoding: .utf8)
        let identities = try Age.parseIdentityFile(text)
        guard identities.count == 1 else {
            throw AgeTestFailure(description: "age-keygen wrote \(identities.count) identities")
        }
        let publicLine = text.split(separator: "\n").first { $0.hasPrefix("# public key: ") }
        return (directory.path(name), identities[0], String(publicLine?.dropFirst("# public key: ".count) ?? ""))
    }
}

/// The error a throwing expression raised, as a LifeboatError (nil when it did not throw one).
func ageError(_ body: () throws -> Any) -> LifeboatError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? LifeboatError
    }
}
