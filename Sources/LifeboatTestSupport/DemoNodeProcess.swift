import Foundation
import LifeboatCore
import LifeboatProcess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The built `lifeboat-demo-node` (a stand-in Nuts node) running as a child process, for tests.
///
/// ```swift
/// let node = try DemoNodeProcess.start(datadir: dir.appending("node"), arguments: ["--nuts-version", "5.3"])
/// defer { node.kill() }
/// let diagnostics = try node.get("/status/diagnostics").json
/// #expect(node.terminate() == 0)
/// ```
/// The node listens on a free loopback port (`--listen 127.0.0.1:0`, read back from a port
/// file) and exits by itself when the test process dies (its stdin is a pipe this process holds).
public final class DemoNodeProcess: @unchecked Sendable {
    /// The HTTP port.
    public let port: Int
    /// The node's datadir.
    public let datadir: String
    /// The child's process id.
    public let processID: pid_t
    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private let logPath: String
    private let lifeline: Int32
    private let lock = NSLock()
    private var finalStatus: Int32?

    private init(port: Int, datadir: String, processID: pid_t, logPath: String, lifeline: Int32) {
        self.port = port
        self.datadir = datadir
        self.processID = processID
        self.logPath = logPath
        self.lifeline = lifeline
    }

    deinit {
        kill()
        close(lifeline)
        unlink(logPath)
    }

    /// The binary: `$LIFEBOAT_DEMO_NODE`, else next to the test bundle, else `.build/{release,debug}`.
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["LIFEBOAT_DEMO_NODE"], !path.isEmpty { return path }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            bundleDirectory, bundleDirectory.deletingLastPathComponent(), root.appendingPathComponent(".build/release"),
            root.appendingPathComponent(".build/debug"),
        ].map { $0.appendingPathComponent("lifeboat-demo-node").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Starts the node on `datadir` with extra `arguments` (e.g. `--nuts-version 5.0`) and waits
    /// until `GET /status` answers 200; throws with the node's output if it exits or stays silent.
    public static func start(
        datadir: String, arguments: [String] = [], environment: [String: String] = [:], timeout: TimeInterval = 60
    ) throws -> DemoNodeProcess {
        let scratch = NSTemporaryDirectory() + "/lifeboat-demo-node-\(UInt32.random(in: .min ... .max))"
        let logPath = scratch + ".log"
        let portFile = scratch + ".port"
        defer { unlink(portFile) }
        let pipe = try makePipe()
        let command =
            [binary, "--datadir", datadir, "--listen", "127.0.0.1:0", "--port-file", portFile, "--exit-when-stdin-closes"]
            + arguments
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let processID: pid_t
        do {
            processID = try LoggedProcess.spawn(command, environment: merged, output: logPath, input: pipe.read)
        } catch let error as LifeboatError {
            close(pipe.read)
            close(pipe.write)
            throw LifeboatError(.unsupported, "could not start \(binary) (build it with swift build): \(error.message)")
        }
        close(pipe.read)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = LoggedProcess.exitStatus(processID) {
                close(pipe.write)
                let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                unlink(logPath)
                throw LifeboatError(.io, "lifeboat-demo-node exited with status \(status) before serving:\n\(output)")
            }
            let text = (try? String(contentsOfFile: portFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if let text, let port = Int(text),
                (try? LoopbackHTTP.request("GET", port: port, path: "/status", timeout: 2))?.status == 200
            {
                return DemoNodeProcess(port: port, datadir: datadir, processID: processID, logPath: logPath, lifeline: pipe.write)
            }
            usleep(50_000)
        }
        LoggedProcess.stop(processID, signal: SIGKILL, grace: 0)
        close(pipe.write)
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        unlink(logPath)
        throw LifeboatError(.io, "lifeboat-demo-node did not answer GET /status within \(Int(timeout)) seconds:\n\(output)")
    }

    /// `GET path` (sent as given, escaping included).
    public func get(_ path: String, headers: [String: String] = [:]) throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.request("GET", port: port, path: path, headers: headers)
    }

    /// `POST path` with an empty body.
    public func post(_ path: String, headers: [String: String] = [:]) throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.request("POST", port: port, path: path, headers: headers)
    }

    /// Sends SIGTERM and waits up to `timeout` seconds (then SIGKILL); returns the exit status
    /// (0 for a clean shutdown, 128+N after signal N).
    @discardableResult
    public func terminate(timeout: TimeInterval = 15) -> Int32 {
        finish { LoggedProcess.stop(processID, signal: SIGTERM, grace: timeout) }
    }

    /// Sends SIGKILL (a crash) and reaps the process; returns 137 unless it had already exited.
    @discardableResult
    public func kill() -> Int32 {
        finish { LoggedProcess.stop(processID, signal: SIGKILL, grace: 0) }
    }

    /// The exit status once the node has ended, nil while it runs.
    public var exitStatus: Int32? {
        lock.withLock {
            if finalStatus == nil { finalStatus = LoggedProcess.exitStatus(processID) }
            return finalStatus
        }
    }

    /// Everything the node printed so far (stdout and stderr).
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    private func finish(_ stop: () -> Int32) -> Int32 {
        lock.withLock {
            if let finalStatus { return finalStatus }
            let status = stop()
            finalStatus = status
            return status
        }
    }
}
