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

/// A `moto_server` (the S3 API of the moto Python package) on a free loopback port, for tests.
///
/// ```swift
/// let moto = try MotoServer.start()
/// defer { moto.stop() }
/// let url = "s3:\(moto.endpoint)/bucket/prefix"
/// ```
/// Starting fails with `.unsupported` and a clear message when `moto_server` is not installed
/// (`pip install 'moto[server]'`); tests must not skip then. A watchdog kills the server when
/// the test process dies without calling ``stop()``.
public final class MotoServer: @unchecked Sendable {
    /// `http://127.0.0.1:PORT`.
    public let endpoint: String
    /// The port it listens on.
    public let port: Int

    private let serverID: pid_t
    private let watchdogID: pid_t
    /// The write end of the watchdog's stdin: the kernel closes it when this process dies, however it dies.
    private let lifeline: Int32
    private let logPath: String
    private let lock = NSLock()
    private var stopped = false

    private init(serverID: pid_t, watchdogID: pid_t, lifeline: Int32, port: Int, logPath: String) {
        self.serverID = serverID
        self.watchdogID = watchdogID
        self.lifeline = lifeline
        self.port = port
        self.endpoint = "http://127.0.0.1:\(port)"
        self.logPath = logPath
    }

    deinit {
        stop()
    }

    /// Starts a server and waits until it answers HTTP; `environment` adds variables such as
    /// `INITIAL_NO_AUTH_ACTION_COUNT`.
    public static func start(environment: [String: String] = [:]) throws -> MotoServer {
        var lastError: LifeboatError?
        // A port picked as free can be taken before moto binds it; another port usually works.
        for _ in 0..<3 {
            do {
                return try launch(port: try LoopbackHTTP.freePort(), environment: environment)
            } catch let error as LifeboatError where error.code == .io {
                lastError = error
            }
        }
        throw lastError ?? LifeboatError(.io, "moto_server did not start")
    }

    /// Stops the server (SIGTERM, then SIGKILL after five seconds) and its watchdog, and removes the log.
    public func stop() {
        let shouldStop = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard shouldStop else { return }
        // The watchdog goes first, so it can never signal a reused process id.
        LoggedProcess.stop(watchdogID, signal: SIGKILL, grace: 0)
        close(lifeline)
        LoggedProcess.stop(serverID, grace: 5)
        unlink(logPath)
    }

    /// The server's log so far (requests and errors), for failure messages.
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    // MARK: - Processes

    private static func launch(port: Int, environment: [String: String]) throws -> MotoServer {
        let logPath = NSTemporaryDirectory() + "/lifeboat-moto-\(port)-\(UInt32.random(in: .min ... .max)).log"
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let serverID: pid_t
        do {
            // A file, not a pipe: moto logs every request and would block on a full pipe nobody reads.
            serverID = try LoggedProcess.spawn(
                ["moto_server", "-H", "127.0.0.1", "-p", String(port)], environment: merged, output: logPath)
        } catch let error as LifeboatError {
            unlink(logPath)
            throw LifeboatError(
                .unsupported, "could not start moto_server (install it with: pip install 'moto[server]'): \(error.message)")
        }
        // Kills the server when its stdin reaches end of file, which happens when this process
        // dies before stop(): no server outlives a crashed test run.
        var lifeline: [Int32] = [-1, -1]
        guard pipe(&lifeline) == 0 else {
            LoggedProcess.stop(serverID, signal: SIGKILL, grace: 0)
            throw LifeboatError(.io, "could not create a pipe for the moto_server watchdog: \(String(cString: strerror(errno)))")
        }
        for descriptor in lifeline { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        let watchdogID: pid_t
        do {
            watchdogID = try LoggedProcess.spawn(
                ["/bin/sh", "-c", "read _ignored; kill -9 \(serverID) 2>/dev/null"], environment: merged, output: "/dev/null",
                input: lifeline[0])
        } catch {
            LoggedProcess.stop(serverID, signal: SIGKILL, grace: 0)
            close(lifeline[0])
            close(lifeline[1])
            throw error
        }
        close(lifeline[0])
        let server = MotoServer(serverID: serverID, watchdogID: watchdogID, lifeline: lifeline[1], port: port, logPath: logPath)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let status = LoggedProcess.exitStatus(serverID) {
                let output = server.log()
                server.stop()
                if status == 127 || output.contains("No module named") {
                    throw LifeboatError(
                        .unsupported,
                        "moto_server is not installed or broken (exit status \(status)); install it with: pip install 'moto[server]'\n\(output)"
                    )
                }
                throw LifeboatError(.io, "moto_server on port \(port) exited with status \(status) before answering:\n\(output)")
            }
            if answersHTTP(port: port) { return server }
            usleep(100_000)
        }
        let output = server.log()
        server.stop()
        throw LifeboatError(.unsupported, "moto_server on port \(port) did not answer within 60 seconds:\n\(output)")
    }

    /// Whether a plain HTTP request to moto's own API gets an answer (which counts as no S3 action).
    private static func answersHTTP(port: Int) -> Bool {
        let descriptor = socket(AF_INET, streamSocketType, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let got = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard got > 0 else { return false }
        return String(decoding: buffer.prefix(got), as: UTF8.self).hasPrefix("HTTP/1.")
    }

    #if canImport(Glibc)
        private static let streamSocketType = Int32(SOCK_STREAM.rawValue)
    #else
        private static let streamSocketType = SOCK_STREAM
    #endif

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
