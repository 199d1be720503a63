import Foundation
import LifeboatCore
import LifeboatDatabases
import LifeboatProcess
import LifeboatRepository
import LifeboatTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A free TCP port on 127.0.0.1 (bound and released; a race with another binder is unlikely).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw LifeboatError(.io, "no free port: \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs a short command and fails the test setup when it fails.
@discardableResult
func mustRun(_ command: Command, input: String? = nil) async throws -> String {
    let child = try ChildProcess(command, pipeStdin: input != nil, pipeStdout: true)
    if let input {
        try? child.write(Array(input.utf8))
        child.closeStdin()
    }
    let out = await child.readStdoutToEnd()
    try await child.checkSuccess("\(command.name) \(command.arguments.prefix(3).joined(separator: " "))")
    return String(decoding: out, as: UTF8.self)
}

/// A real `redis-server` on a loopback port in a temp directory, for tests.
final class RedisServer: @unchecked Sendable {
    let port: Int
    let directory: String
    let password: String
    let passwordFile: String
    private var child: ChildProcess?

    init(directory: String, password: String = "redis test secret") throws {
        port = try freePort()
        self.directory = directory
        self.password = password
        passwordFile = directory + "/redis.pass"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
    }

    deinit { child?.kill() }

    var connection: RedisConnection { RedisConnection(host: "127.0.0.1", port: port, passwordFile: passwordFile) }

    /// Starts the server on its data directory (loading `dump.rdb` if one is there).
    func start() async throws {
        let config = directory + "/redis.conf"
        // The password goes in a config file, not on redis-server's command line.
        try """
        port \(port)
        bind 127.0.0.1
        dir \(directory)/data
        dbfilename dump.rdb
        requirepass "\(password)"
        save ""
        appendonly no
        daemonize no

        """.write(toFile: config, atomically: true, encoding: .utf8)
        child = try ChildProcess(Command("redis-server", [config]), pipeStdout: false)
        for _ in 0..<100 {
            if await connection.isRunning() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LifeboatError(.io, "redis-server did not start: \(child?.stderrText() ?? "")")
    }

    /// Stops it at once, without saving.
    func stop() async {
        guard let child else { return }
        child.kill()
        _ = await child.wait()
        self.child = nil
    }

    /// Runs redis-cli commands (one per line of `script`) against the server.
    func cli(_ arguments: [String], input: String? = nil) async throws -> String {
        let base = ["-h", "127.0.0.1", "-p", String(port), "--no-auth-warning"]
        return try await mustRun(Command("redis-cli", base + arguments, environment: ["REDISCLI_AUTH": password]), input: input)
    }
}

/// A real PostgreSQL cluster (initdb + postgres) on a loopback port in a temp directory,
/// run as the `postgres` user when the tests run as root.
final class PostgresServer: @unchecked Sendable {
    let port: Int
    let directory: String
    let password = "pg test secret"
    let passwordFile: String
    private var child: ChildProcess?

    static var asRoot: Bool { getuid() == 0 }

    deinit { child?.kill() }

    init(directory: String) throws {
        port = try freePort()
        self.directory = directory
        passwordFile = directory + "/pg.pass"
    }

    /// A libpq tool, run as `postgres` when we are root.
    private func tool(_ name: String, _ arguments: [String]) -> Command {
        let path = PostgresServer.binDirectory + "/" + name
        return Self.asRoot ? Command("runuser", ["-u", "postgres", "--", path] + arguments) : Command(path, arguments)
    }

    static let binDirectory: String = {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        return "\(base)/\(versions.first ?? "16")/bin"
    }()

    func url(_ database: String) -> String { "postgres://admin@127.0.0.1:\(port)/\(database)" }

    func connection(_ name: String, database: String? = nil, tables: [String] = []) -> PostgresConnection {
        PostgresConnection(name: name, url: url(database ?? name), passwordFile: passwordFile, tables: tables)
    }

    /// initdb with a scram password for `admin`, then start postgres and wait until it accepts connections.
    func start() async throws {
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        if Self.asRoot {
            // postgres must reach its directory: the test's temp directory is root's, mode 0700.
            chmod((directory as NSString).deletingLastPathComponent, 0o711)
            _ = try await mustRun(Command("chown", ["-R", "postgres", directory]))
        }
        try await mustRun(
            tool(
                "initdb",
                [
                    "-D", directory + "/data", "-U", "admin", "--pwfile=" + passwordFile, "--auth=scram-sha-256", "--no-sync",
                    "--no-locale", "-E", "UTF8",
                ]))
        child = try ChildProcess(
            tool("postgres", ["-D", directory + "/data", "-p", String(port), "-k", directory, "-h", "127.0.0.1", "-c", "fsync=off"]),
            pipeStdout: false)
        for _ in 0..<200 {
            let probe = try ChildProcess(tool("pg_isready", ["-h", "127.0.0.1", "-p", String(port), "-q"]), pipeStdout: false)
            if ChildProcess.describe(status: await probe.wait()) == nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LifeboatError(.io, "postgres did not start: \(child?.stderrText() ?? "")")
    }

    /// Stops the cluster (fast shutdown, then SIGKILL).
    func stop() async {
        guard let child else { return }
        if let pidText = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8),
            let pid = pidText.split(separator: "\n").first.flatMap({ Int32($0) })
        {
            kill(pid, SIGINT)
            for _ in 0..<100 where kill(pid, 0) == 0 { usleep(50_000) }
        }
        child.kill()
        _ = await child.wait()
        self.child = nil
    }

    /// Runs SQL as `admin` on `database`; returns psql's bare output.
    func sql(_ database: String, _ script: String) async throws -> String {
        let psql = PostgresServer.binDirectory + "/psql"
        return try await mustRun(
            Command(
                psql, ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "--dbname=" + url(database)], environment: ["PGPASSWORD": password]),
            input: script)
    }
}
