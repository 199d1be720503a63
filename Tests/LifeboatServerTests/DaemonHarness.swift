import AsyncHTTPClient
import CSQLite
import Crypto
import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs
import LifeboatServer
import LifeboatTestSupport
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A daemon on a loopback port over a temp directory with one node, for end-to-end tests.
final class DaemonHarness: @unchecked Sendable {
    static let password = "daemon test password"
    static let viewerToken = "viewer-secret-token"
    static let operatorToken = "operator-secret-token"
    static let adminToken = "admin-secret-token"

    let dir: TemporaryDirectory
    let daemon: Daemon
    let port: Int
    let server: Task<Void, any Error>

    var datadir: String { dir.appending("node") }
    var repoPath: String { dir.appending("repo") }

    static func sha256(_ text: String) -> String { Hex.encode(Array(SHA256.hash(data: Data(text.utf8)))) }

    /// The top of a `lifeboat.yaml` for end-to-end tests under `dir`: catalog, one local
    /// repository (password from `LB_TEST_PASSWORD`), the operator and viewer tokens and a
    /// short shutdown grace; `nodes:` and the rest follow it.
    static func configHead(in dir: TemporaryDirectory) -> String {
        """
        catalog: \(dir.appending("catalog.sqlite"))
        repositories:
          primary: {url: \(dir.appending("repo")), password_env: LB_TEST_PASSWORD}
        api:
          tokens:
            - {name: ops, role: operator, sha256: \(sha256(operatorToken))}
            - {name: watcher, role: viewer, sha256: \(sha256(viewerToken))}
            - {name: root, role: admin, sha256: \(sha256(adminToken))}
          restore_roots: [\(dir.path)]
        jobs: {shutdown_grace: 5s}
        """
    }

    /// The test configuration: node `n1` with a SQLite store and a directory, `backups` as given.
    static func yaml(dir: TemporaryDirectory, backups: String, identity: String? = nil) -> String {
        """
        catalog: \(dir.appending("catalog.sqlite"))
        repositories:
          primary:
            url: \(dir.appending("repo"))
            password_env: LB_TEST_PASSWORD
        api:
          tokens:
            - {name: watcher, role: viewer, sha256: \(sha256(viewerToken))}
            - {name: ops, role: operator, sha256: \(sha256(operatorToken))}
            - {name: root, role: admin, sha256: \(sha256(adminToken))}
          restore_roots: [\(dir.path)]
        jobs:
          max_parallel: 2
          shutdown_grace: 5s
          run_missed_at_start: true
        nodes:
          - name: n1
            datadir: \(dir.appending("node"))
            stores:
              - {type: sqlite, path: data.db}
              - {type: dir, path: events}
            backups:
        \(backups.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        """ + (identity.map { "\n    identity:\n" + $0.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") } ?? "")
    }

    init(
        backups: String = "interval: 1h\nmax: 3\nrepositories: [primary]", dir existing: TemporaryDirectory? = nil,
        identity: String? = nil, configuration text: String? = nil,
        identityDump: IdentityDumpFunction? = Daemon.defaultIdentityDump
    ) async throws {
        dir = try existing ?? TemporaryDirectory(prefix: "lifeboat-daemon")
        if text == nil && !FileManager.default.fileExists(atPath: dir.appending("node/data.db")) {
            try FileManager.default.createDirectory(atPath: dir.appending("node/events"), withIntermediateDirectories: true)
            try Data("event one".utf8).write(to: URL(fileURLWithPath: dir.appending("node/events/1.json")))
            try Self.makeDatabase(dir.appending("node/data.db"), rows: 200)
        }
        let environment = ["LB_TEST_PASSWORD": Self.password]
        let yamlPath = dir.appending("lifeboat.yaml")
        try Data((text ?? Self.yaml(dir: dir, backups: backups, identity: identity)).utf8).write(to: URL(fileURLWithPath: yamlPath))
        var configuration = try LifeboatConfiguration.load(path: yamlPath, environment: environment)
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        var logger = Logger(label: "daemon-test")
        logger.logLevel = .warning
        daemon = try await Daemon(configuration: configuration, environment: environment, identityDump: identityDump, logger: logger)
        try await daemon.openRepositories(create: true)
        let ports = AsyncStream.makeStream(of: Int.self)
        let daemon = self.daemon
        // On threads of its own: the server's connection handlers, the runner and the
        // scheduler are its child tasks and inherit the preference, so synchronous tests
        // blocking both cooperative threads of a 2-core CI machine cannot starve its answers
        // (a request once waited over 30 s behind them).
        server = Task(executorPreference: Self.serverThreads) {
            try await DaemonServer.run(daemon, signals: []) { ports.continuation.yield($0) }
        }
        var bound = 0
        for await p in ports.stream {
            bound = p
            break
        }
        port = bound
    }

    /// Stops the server (as on SIGTERM) and removes the directory unless `keep`.
    func stop(keep: Bool = false) async {
        server.cancel()
        _ = await server.result
        if !keep { dir.remove() }
    }

    struct Answer {
        var status: Int
        var body: Data
        var contentType: String?
        var headers: HTTPHeaders = [:]
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends a request with `Authorization: Bearer token` (none for a nil token), or the
    /// `authorization` header verbatim when given.
    func call(
        _ method: HTTPMethod, _ path: String, token: String? = operatorToken, authorization: String? = nil, body: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let authorization {
            request.headers.add(name: "Authorization", value: authorization)
        } else if let token {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 8 << 20))
        return Answer(
            status: Int(response.status.code), body: data, contentType: response.headers.first(name: "Content-Type"),
            headers: response.headers)
    }

    /// The threads every harness's server runs on.
    static let serverThreads = JobThreads(threads: 2, nice: 0)

    /// Polls a job until it finishes; it looks once more after the deadline, in case the
    /// test's own task was kept waiting past it.
    func waitForJob(_ id: Int64, timeout: Double = 60) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        var lastLook = false
        while !lastLook {
            lastLook = Date() >= deadline
            let answer = try await call(.GET, "/api/v1/jobs/\(id)", token: Self.viewerToken)
            last = answer.text
            if let job = answer.json as? [String: Any], let state = job["state"] as? String,
                ["Completed", "Failed", "PartiallyFailed", "Cancelled"].contains(state)
            {
                return job
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LifeboatError(.internalError, "job \(id) did not finish in \(timeout) s: \(last)")
    }

    /// A SQLite database with a table of `rows` rows.
    static func makeDatabase(_ path: String, rows: Int) throws {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw LifeboatError(.io, "cannot create \(path)") }
        defer { sqlite3_close(db) }
        var sql = "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT); BEGIN;"
        for i in 0..<rows { sql += "INSERT INTO t(v) VALUES('row \(i) \(String(repeating: "x", count: 100))');" }
        sql += "COMMIT;"
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw LifeboatError(.io, "cannot fill \(path)") }
    }
}
