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

/// A real MariaDB server for tests: `mariadb-install-db` in a directory, `mariadbd` on a free
/// loopback port, a user `lifeboat` (any host) whose password is in ``passwordFile``, stopped
/// by ``stop()``.
///
/// ```swift
/// let db = try MariaDBServer.start(directory: dir.appending("mariadb"))
/// defer { db.stop() }
/// try db.sql("CREATE DATABASE nuts")
/// let url = db.url("nuts")   // mysql://lifeboat@127.0.0.1:PORT/nuts
/// ```
/// The server reads no option file of the machine (`--no-defaults`); as root it runs with
/// `--user=root`. Setup SQL goes through the server's Unix socket as root (unix_socket
/// authentication). A watchdog stops the server if the test process dies first.
public final class MariaDBServer: @unchecked Sendable {
    /// The loopback port.
    public let port: Int
    /// The server's directory (data in `data/`, socket, log and password file beside it).
    public let directory: String
    /// The user the URLs name.
    public let user = "lifeboat"
    /// The user's password; it has a quote, a space and a `#` so option-file quoting is exercised.
    public let password = "wh\"isk ey#9"
    /// A file holding ``password`` (mode 0600).
    public var passwordFile: String { directory + "/lifeboat.pass" }
    /// The server's Unix socket.
    public var socket: String { directory + "/mysqld.sock" }

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

    /// `mysql://lifeboat@127.0.0.1:PORT/DATABASE`.
    public func url(_ database: String) -> String { "mysql://\(user)@127.0.0.1:\(port)/\(database)" }

    /// The server binary: `mariadbd`, or `mysqld` on older packages.
    static var serverBinary: String {
        ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/mariadbd"
    }

    /// Creates and starts a server in `directory` (created), waiting until it accepts connections.
    public static func start(directory: String) throws -> MariaDBServer {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        let userArguments = asRoot ? ["--user=root"] : []
        do {
            try PostgresCluster.run(
                [
                    "mariadb-install-db", "--no-defaults", "--datadir=" + directory + "/data", "--skip-test-db",
                    "--auth-root-authentication-method=socket",
                ]
                    + userArguments)
        } catch let error as LifeboatError {
            throw LifeboatError(
                .unsupported, "could not create a MariaDB data directory (apt-get install -y mariadb-server): \(error.message)")
        }
        let port = try LoopbackHTTP.freePort()
        let log = directory + "/server.log"
        let serverID = try LoggedProcess.spawn(
            [
                serverBinary, "--no-defaults", "--datadir=" + directory + "/data", "--socket=" + directory + "/mysqld.sock",
                "--port=\(port)", "--bind-address=127.0.0.1", "--pid-file=" + directory + "/mysqld.pid", "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=0", "--skip-name-resolve", "--log-error=" + directory + "/error.log",
            ] + userArguments,
            environment: ProcessInfo.processInfo.environment, output: log)
        let pipe = try makePipe()
        let watchdogID: pid_t
        do {
            watchdogID = try LoggedProcess.spawn(
                ["/bin/sh", "-c", "read _ignored; kill -TERM \(serverID) 2>/dev/null"], environment: ProcessInfo.processInfo.environment,
                output: "/dev/null", input: pipe.read)
        } catch {
            LoggedProcess.stop(serverID, signal: SIGKILL, grace: 0)
            close(pipe.read)
            close(pipe.write)
            throw error
        }
        close(pipe.read)
        let server = MariaDBServer(port: port, directory: directory, serverID: serverID, watchdogID: watchdogID, lifeline: pipe.write)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let status = LoggedProcess.exitStatus(serverID) {
                let output = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
                server.stop()
                throw LifeboatError(.io, "mariadbd exited with status \(status) before accepting connections:\n\(output)")
            }
            if (try? server.sql("SELECT 1")) == "1" {
                let quoted = server.password.replacingOccurrences(of: "'", with: "''")
                try server.sql("CREATE USER '\(server.user)'@'%' IDENTIFIED BY '\(quoted)'; GRANT ALL ON *.* TO '\(server.user)'@'%'")
                guard
                    files.createFile(
                        atPath: server.passwordFile, contents: Data((server.password + "\n").utf8), attributes: [.posixPermissions: 0o600])
                else { throw LifeboatError(.io, "cannot write \(server.passwordFile)") }
                return server
            }
            usleep(100_000)
        }
        let output = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
        server.stop()
        throw LifeboatError(.io, "mariadbd did not accept connections within 60 seconds:\n\(output)")
    }

    /// Runs SQL as root over the socket (on `database` when given) and returns the bare
    /// output (`--batch --skip-column-names`, fields tab-separated), trimmed.
    @discardableResult
    public func sql(_ script: String, database: String? = nil) throws -> String {
        try PostgresCluster.run(
            ["mariadb", "--no-defaults", "--socket=" + socket, "--user=root", "--batch", "--skip-column-names"]
                + (database.map { [$0] } ?? []),
            input: script + ";\n")
    }

    /// Stops the server (SIGTERM, a clean shutdown; SIGKILL after twenty seconds) and its watchdog.
    public func stop() {
        let shouldStop = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard shouldStop else { return }
        LoggedProcess.stop(watchdogID, signal: SIGKILL, grace: 0)
        close(lifeline)
        LoggedProcess.stop(serverID, signal: SIGTERM, grace: 20)
    }
}
