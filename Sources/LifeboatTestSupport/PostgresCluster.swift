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

/// A real PostgreSQL cluster for tests: `initdb` in a directory, `postgres` on a free
/// loopback port with `trust` authentication for user `splice`, stopped by ``stop()``.
///
/// ```swift
/// let pg = try PostgresCluster.start(directory: dir.appending("pg"))
/// defer { pg.stop() }
/// try pg.sql("postgres", "CREATE DATABASE validator")
/// let url = pg.url("validator")   // postgresql://splice@127.0.0.1:PORT/validator
/// ```
/// When the tests run as root the server runs as the `postgres` user (it refuses root). A
/// watchdog shuts the server down if the test process dies first.
public final class PostgresCluster: @unchecked Sendable {
    /// The loopback port.
    public let port: Int
    /// The cluster's directory (data in `data/`, the socket and log beside it).
    public let directory: String
    /// The superuser the URLs name.
    public let user = "splice"

    private let serverID: pid_t
    private let watchdogID: pid_t
    private let lifeline: Int32
    private let lock = NSLock()
    private var stopped = false

    private init(port: Int, directory: String, serverID: pid_t, watchdogID: pid_t, lifeline: Int32) {
        self.port = port
        self.directory = directory
        self.serverID = serverID
        self.watchdogID = watchdogID
        self.lifeline = lifeline
    }

    deinit { stop() }

    /// `bin/` of the newest PostgreSQL under `/usr/lib/postgresql`.
    public static let binDirectory: String = {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        return "\(base)/\(versions.first ?? "16")/bin"
    }()

    /// `postgresql://splice@127.0.0.1:PORT/DATABASE`.
    public func url(_ database: String) -> String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Creates and starts a cluster in `directory` (created), waiting until it accepts connections.
    public static func start(directory: String) throws -> PostgresCluster {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        if asRoot {
            // postgres must reach its directory through the test's 0700 temporary directory.
            var parent = (directory as NSString).deletingLastPathComponent
            while parent != "/" && parent != "/tmp" && !parent.isEmpty {
                chmod(parent, 0o711)
                parent = (parent as NSString).deletingLastPathComponent
            }
            try run(["chown", "postgres:postgres", directory])
        }
        func asServer(_ tool: String, _ arguments: [String]) -> [String] {
            let path = binDirectory + "/" + tool
            // setpriv execs in place, so the process id is the server's own.
            return asRoot
                ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", path] + arguments : [path] + arguments
        }
        do {
            try run(
                asServer(
                    "initdb",
                    ["-D", directory + "/data", "-U", "splice", "--auth=trust", "--no-sync", "--no-locale", "-E", "UTF8"]))
        } catch let error as LifeboatError {
            throw LifeboatError(
                .unsupported, "could not create a PostgreSQL cluster (apt-get install -y postgresql): \(error.message)")
        }
        let port = try LoopbackHTTP.freePort()
        let log = directory + "/server.log"
        let serverID = try LoggedProcess.spawn(
            asServer(
                "postgres",
                [
                    "-D", directory + "/data", "-p", String(port), "-k", directory, "-h", "127.0.0.1", "-c", "fsync=off", "-c",
                    "full_page_writes=off",
                ]),
            environment: ProcessInfo.processInfo.environment, output: log)
        let pipe = try makePipe()
        let watchdogID: pid_t
        do {
            watchdogID = try LoggedProcess.spawn(
                ["/bin/sh", "-c", "read _ignored; kill -QUIT \(serverID) 2>/dev/null"], environment: ProcessInfo.processInfo.environment,
                output: "/dev/null", input: pipe.read)
        } catch {
            LoggedProcess.stop(serverID, signal: SIGQUIT, grace: 5)
            close(pipe.read)
            close(pipe.write)
            throw error
        }
        close(pipe.read)
        let cluster = PostgresCluster(port: port, directory: directory, serverID: serverID, watchdogID: watchdogID, lifeline: pipe.write)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let status = LoggedProcess.exitStatus(serverID) {
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                cluster.stop()
                throw LifeboatError(.io, "postgres exited with status \(status) before accepting connections:\n\(output)")
            }
            if (try? cluster.sql("postgres", "SELECT 1")) == "1" { return cluster }
            usleep(100_000)
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        cluster.stop()
        throw LifeboatError(.io, "postgres did not accept connections within 60 seconds:\n\(output)")
    }

    /// Runs SQL on `database` with psql (stopping at the first error) and returns its bare
    /// output (`-A -t`, fields joined by `|`), trimmed.
    @discardableResult
    public func sql(_ database: String, _ script: String) throws -> String {
        try Self.run(
            [Self.binDirectory + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "--dbname=" + url(database)],
            input: script + ";\n")
    }

    /// Stops the server (fast shutdown, then SIGKILL after ten seconds) and its watchdog.
    public func stop() {
        let shouldStop = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard shouldStop else { return }
        LoggedProcess.stop(watchdogID, signal: SIGKILL, grace: 0)
        close(lifeline)
        LoggedProcess.stop(serverID, signal: SIGINT, grace: 10)
    }

    /// Runs a command to its end with `input` on stdin; its output, trimmed; throws with it on failure.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> String {
        let scratch = NSTemporaryDirectory() + "/lifeboat-pg-\(UInt32.random(in: .min ... .max))"
        defer {
            unlink(scratch + ".out")
            unlink(scratch + ".in")
        }
        var inputDescriptor: Int32?
        if let input {
            try Data(input.utf8).write(to: URL(fileURLWithPath: scratch + ".in"))
            inputDescriptor = open(scratch + ".in", O_RDONLY | O_CLOEXEC)
        }
        defer { if let inputDescriptor { close(inputDescriptor) } }
        let processID = try LoggedProcess.spawn(
            arguments, environment: ProcessInfo.processInfo.environment, output: scratch + ".out", input: inputDescriptor)
        var status: Int32?
        while status == nil {
            status = LoggedProcess.exitStatus(processID)
            if status == nil { usleep(5_000) }
        }
        let output = ((try? String(contentsOfFile: scratch + ".out", encoding: .utf8)) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
        guard status == 0 else {
            throw LifeboatError(
                .io, "\((arguments.first as NSString?)?.lastPathComponent ?? "command") failed (status \(status ?? -1)): \(output)")
        }
        return output
    }

}
