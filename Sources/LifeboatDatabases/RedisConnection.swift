import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatProcess
import LifeboatRepository

/// How to reach a Redis server with `redis-cli`: address, ACL user, password file, TLS.
///
/// The password is read from its file and handed to `redis-cli` in `REDISCLI_AUTH`,
/// never on its command line.
public struct RedisConnection: Sendable, Hashable {
    /// Host name or address (TCP).
    public var host: String
    /// TCP port.
    public var port: Int
    /// A Unix socket path instead of host and port.
    public var socket: String?
    /// The ACL user (Redis 6+); nil for the default user.
    public var user: String?
    /// A file whose first line is the password.
    public var passwordFile: String?
    /// Connect with TLS.
    public var tls: Bool
    /// CA certificate file for TLS; the system's trust store when nil.
    public var caFile: String?
    /// Client certificate and key files for TLS, when the server requires them.
    public var certFile: String?, keyFile: String?
    /// The `redis-cli` program (a name looked up in PATH, or a path).
    public var cli = "redis-cli"

    /// A TCP connection.
    public init(host: String = "127.0.0.1", port: Int = 6379, user: String? = nil, passwordFile: String? = nil, tls: Bool = false) {
        self.host = host
        self.port = port
        self.user = user
        self.passwordFile = passwordFile
        self.tls = tls
    }

    /// The connection a `type: redis` store describes: `redis://[USER@]HOST[:PORT]`,
    /// `rediss://…` (TLS) or `unix:///PATH`.
    public init(store: RedisStore) throws {
        guard let url = URLComponents(string: store.url), let scheme = url.scheme else {
            throw LifeboatError(
                .invalidArgument, "\(store.url) is not a Redis URL (expected redis://HOST[:PORT], rediss://… or unix:///PATH)")
        }
        self.init(passwordFile: store.passwordFile, tls: store.tls || scheme == "rediss")
        switch scheme {
        case "redis", "rediss":
            guard let host = url.host, !host.isEmpty else {
                throw LifeboatError(.invalidArgument, "Redis URL \(store.url) has no host")
            }
            self.host = host
            self.port = url.port ?? 6379
        case "unix":
            guard !url.path.isEmpty else { throw LifeboatError(.invalidArgument, "Redis URL \(store.url) has no socket path") }
            socket = url.path
        default:
            throw LifeboatError(.invalidArgument, "\(store.url): unknown scheme \(scheme) (expected redis, rediss or unix)")
        }
        if url.password != nil {
            throw LifeboatError(.invalidArgument, "Redis URL for \(host) carries a password; put it in password_file instead")
        }
        user = url.user.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Where the server is, for messages.
    public var address: String { socket ?? "\(host):\(port)" }

    /// A `redis-cli` invocation with the connection options and then `arguments`.
    func command(_ arguments: [String]) throws -> Command {
        var args: [String] = socket.map { ["-s", $0] } ?? ["-h", host, "-p", String(port)]
        if let user { args += ["--user", user] }
        if tls {
            args.append("--tls")
            if let caFile { args += ["--cacert", caFile] }
            if let certFile { args += ["--cert", certFile] }
            if let keyFile { args += ["--key", keyFile] }
        }
        args.append("--no-auth-warning")
        var environment: [String: String] = [:]
        if let passwordFile {
            environment["REDISCLI_AUTH"] = try PasswordFile.firstLine(ofFile: passwordFile, what: "Redis password file")
        }
        return Command(cli, args + arguments, environment: environment)
    }

    /// Runs one command on the server and returns its reply, with clear errors for a
    /// missing `redis-cli`, an unreachable server and a refused password.
    func query(_ arguments: [String]) async throws -> String {
        let output = try await CommandRunner.run(try command(arguments))
        let text = output.stdout + "\n" + output.stderr
        if let problem = classify(text) { throw problem }
        if let failure = output.failure {
            throw LifeboatError(.io, "redis-cli \(arguments.first ?? "") on \(address) \(failure): \(output.stderrSummary)")
        }
        return output.stdout
    }

    /// The error a redis-cli output shows, if any.
    func classify(_ text: String) -> LifeboatError? {
        if text.contains("WRONGPASS") || text.contains("invalid password") || text.contains("invalid username-password") {
            return LifeboatError(
                .invalidArgument,
                "Redis at \(address) refused the password\(user.map { " for user \($0)" } ?? ""); check the password file\(passwordFile.map { " \($0)" } ?? "")"
            )
        }
        if text.contains("NOAUTH") {
            return LifeboatError(.invalidArgument, "Redis at \(address) requires a password; set password_file for this store")
        }
        if text.contains("NOPERM") {
            return LifeboatError(
                .invalidArgument,
                "Redis user \(user ?? "default") at \(address) lacks a permission Lifeboat needs (INFO, DBSIZE, SYNC/REPLCONF for backups)")
        }
        if text.contains("Could not connect to Redis") || text.contains("Connection refused") {
            return LifeboatError(.io, "cannot reach Redis at \(address): connection refused or host unreachable; is the server running?")
        }
        return nil
    }

    /// The number of keys in every database (`INFO keyspace`).
    public func keyCount() async throws -> Int {
        let reply = try await query(["INFO", "keyspace"])
        var total = 0
        for line in reply.split(whereSeparator: \.isNewline) where line.hasPrefix("db") {
            // db0:keys=12,expires=0,avg_ttl=0
            guard let keys = line.split(separator: ":").last?.split(separator: ",").first(where: { $0.hasPrefix("keys=") }),
                let n = Int(keys.dropFirst(5))
            else { continue }
            total += n
        }
        return total
    }

    /// Fails naming `redis-cli` when it is not installed.
    public func requireTool() throws {
        _ = try command([]).resolvedExecutable()
    }

    /// A server setting (`CONFIG GET NAME`), or nil when the server does not have it.
    public func configValue(_ name: String) async throws -> String? {
        let lines = try await query(["CONFIG", "GET", name]).split(whereSeparator: \.isNewline).map(String.init)
        guard lines.count >= 2, lines[0] == name else { return nil }
        return lines[1]
    }

    /// Stops the server without writing its dataset (`SHUTDOWN NOSAVE`), so the dump a
    /// restore puts in place is not overwritten.
    public func shutdownWithoutSaving() async throws {
        let output = try await CommandRunner.run(try command(["SHUTDOWN", "NOSAVE"]))
        if let problem = classify(output.stdout + "\n" + output.stderr), problem.code != .io { throw problem }
    }

    /// Whether a server answers PING at this address (any answer, even NOAUTH, counts).
    public func isRunning() async -> Bool {
        guard let probe = try? command(["PING"]), let output = try? await CommandRunner.run(probe) else { return false }
        let text = output.stdout + output.stderr
        return !(text.contains("Could not connect") || text.contains("Connection refused"))
    }
}
