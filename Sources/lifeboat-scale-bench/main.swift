// The fleet-scale benchmark (issue 17, point 3): one `lifeboat serve` daemon, in process,
// with a simulated fleet of nodes on cron and interval schedules (each node one small file),
// a catalog holding a million earlier jobs, and an hour of simulated clock. It reports how
// late each scheduled run started, whether any run was lost, and the API's latency while
// the fleet runs. Not a test: `bench/scale.sh` builds and runs it and prints the figures.
//
// The clock is real while any job is queued or running and skips ahead only while the
// daemon is idle, so every lateness measured is real waiting, and an hour takes minutes.

import AsyncHTTPClient
import Foundation
import GRDB
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatCrypto
import LifeboatJobs
import LifeboatServer
import Logging
import NIOCore
import Synchronization

struct Options {
    var nodes = 500
    var hours = 1.0
    var history = 1_000_000
    var parallel = 4
    var directory = NSTemporaryDirectory() + "lifeboat-scale-\(getpid())"
    var apiRequests = 2_000

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw LifeboatError(.invalidArgument, "\(flag) needs a value") }
            switch flag {
            case "--nodes": nodes = try Self.int(value, flag)
            case "--hours": hours = Double(value) ?? 0
            case "--history": history = try Self.int(value, flag)
            case "--parallel": parallel = try Self.int(value, flag)
            case "--dir": directory = value
            case "--api-requests": apiRequests = try Self.int(value, flag)
            default: throw LifeboatError(.invalidArgument, "unknown option \(flag)")
            }
        }
        guard nodes > 0, hours > 0, parallel > 0 else {
            throw LifeboatError(.invalidArgument, "nodes, hours and parallel must be positive")
        }
    }

    static func int(_ text: String, _ flag: String) throws -> Int {
        guard let value = Int(text), value >= 0 else { throw LifeboatError(.invalidArgument, "\(flag) takes a whole number, not \(text)") }
        return value
    }
}

/// Real time plus an offset that grows only while the daemon has nothing queued or running.
final class SkippingClock: DaemonClock, @unchecked Sendable {
    struct State {
        var offset: TimeInterval = 0
        /// (real time of a skip, offset after it), in order.
        var skips: [(real: Date, offset: TimeInterval)] = []
    }
    let state = Mutex(State())
    let busy = Mutex<(@Sendable () async -> Bool)?>(nil)
    let skipping = Atomic<Bool>(true)

    func now() -> Date { Date().addingTimeInterval(state.withLock { $0.offset }) }

    func sleep(until date: Date) async throws {
        let wait = date.timeIntervalSince(now())
        guard wait > 0 else { return await Task.yield() }
        let isBusy = busy.withLock { $0 }
        if skipping.load(ordering: .relaxed), let isBusy, await !isBusy() {
            state.withLock { s in
                s.offset += wait
                s.skips.append((Date(), s.offset))
            }
            return await Task.yield()
        }
        try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
    }

    /// The simulated time at a real instant.
    func simulated(_ real: Date) -> Date {
        let offset = state.withLock { s in s.skips.last(where: { $0.real <= real })?.offset ?? 0 }
        return real.addingTimeInterval(offset)
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func format(_ seconds: Double) -> String { String(format: "%.3f s", seconds) }

let options = try Options(Array(CommandLine.arguments.dropFirst()))
let dir = options.directory
try FileManager.default.createDirectory(atPath: dir + "/nodes", withIntermediateDirectories: true)
let viewerToken = "scale-bench-viewer"
let password = "scale bench password"

// The fleet: half on cron (every 5 minutes), half on intervals of 6 to 15 minutes.
var yaml = """
    catalog: \(dir)/catalog.sqlite
    repositories:
      primary: {url: \(dir)/repo, password_env: LB_BENCH_PASSWORD}
    api:
      tokens:
        - {name: watcher, role: viewer, sha256: \(Digest.sha256(Data(viewerToken.utf8)).hex)}
    jobs: {max_parallel: \(options.parallel), shutdown_grace: 30s}
    nodes:

    """
var cronNodes = 0
for n in 0..<options.nodes {
    let name = String(format: "node-%03d", n)
    let datadir = "\(dir)/nodes/\(name)"
    try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)
    try Data("{\"node\":\"\(name)\",\"height\":\(n)}\n".utf8).write(to: URL(fileURLWithPath: datadir + "/state.json"))
    let schedule: String
    if n % 2 == 0 {
        schedule = "cron: \"*/5 * * * *\""
        cronNodes += 1
    } else {
        schedule = "interval: \(6 + n % 10)m"
    }
    yaml += """
          - name: \(name)
            datadir: \(datadir)
            stores:
              - {type: file, path: state.json}
            backups:
              \(schedule)
              max: 3
              repositories: [primary]

        """
}
let environment = ["LB_BENCH_PASSWORD": password]
var configuration = try LifeboatConfiguration.parse(yaml: yaml, file: dir + "/lifeboat.yaml", environment: environment)
configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)

// A million finished jobs spread over the fleet and the past year, written in one transaction.
let seeded = ContinuousClock.now
try Catalog(path: configuration.catalog).close()
do {
    let queue = try DatabaseQueue(path: configuration.catalog)
    try await queue.write { db in
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO job (node, kind, "trigger", trigger_detail, state, phase, created_at, started_at, ended_at, bytes_done, snapshot_id)
                VALUES (?, 'backup', 'schedule', ?, ?, '', ?, ?, ?, ?, ?)
                """)
        let year = Date().addingTimeInterval(-365 * 86_400)
        for i in 0..<options.history {
            let created = year.addingTimeInterval(Double(i) * (365 * 86_400 - 7200) / Double(max(1, options.history)))
            let failed = i % 97 == 0
            try statement.execute(arguments: [
                String(format: "node-%03d", i % options.nodes), "due \(ISO8601.format(created))", failed ? "Failed" : "Completed", created,
                created.addingTimeInterval(0.2), created.addingTimeInterval(3), 4096 + i % 1000,
                failed ? nil : String(format: "%064x", i),
            ])
        }
    }
    try queue.close()
}
print("catalog: \(options.history) earlier jobs written in \(ContinuousClock.now - seeded)")
let firstNewJob = Int64(options.history + 1)

var logger = Logger(label: "scale-bench")
logger.logLevel = .error
let clock = SkippingClock()
let daemon = try await Daemon(configuration: configuration, environment: environment, clock: clock, logger: logger)
try await daemon.openRepositories(create: true)
let runner = daemon.runner
clock.busy.withLock { $0 = { await runner.activeCount > 0 } }
let start = clock.now()
let end = start.addingTimeInterval(options.hours * 3600)
let realStart = ContinuousClock.now

let ports = AsyncStream.makeStream(of: Int.self)
let server = Task { try await DaemonServer.run(daemon, signals: []) { ports.continuation.yield($0) } }
var port = 0
for await p in ports.stream {
    port = p
    break
}

// The API while the fleet runs: the pages the console and a monitoring script read.
let api = Task { () -> [String: [Double]] in
    var latencies: [String: [Double]] = [:]
    let paths = [
        "/api/v1/nodes", "/api/v1/jobs?limit=50", "/api/v1/nodes/node-042", "/api/v1/jobs?node=node-042&limit=50",
        "/api/v1/nodes/node-042/history", "/metrics",
    ]
    var i = 0
    while !Task.isCancelled && i < options.apiRequests {
        let path = paths[i % paths.count]
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(viewerToken)")
        let sent = ContinuousClock.now
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 64 << 20)
            guard response.status == .ok else {
                print("API \(path): status \(response.status.code)")
                break
            }
        } catch {
            if !Task.isCancelled { print("API \(path): \(error)") }
            break
        }
        let elapsed = ContinuousClock.now - sent
        latencies[path.components(separatedBy: "?")[0], default: []].append(
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        i += 1
        try? await Task.sleep(for: .milliseconds(20))
    }
    return latencies
}

while clock.now() < end { try await Task.sleep(for: .milliseconds(200)) }
// The clock runs real from here; the runs of the hour finish, later ones are not counted.
clock.skipping.store(false, ordering: .relaxed)
while await runner.activeCount > 0 { try await Task.sleep(for: .milliseconds(100)) }
let realElapsed = ContinuousClock.now - realStart
api.cancel()
let latencies = await api.value
server.cancel()
_ = await server.result

// The runs: when each was due (its trigger detail) against when it started (simulated).
struct Run {
    var node: String
    var due: Date
    var started: Date?
    var state: String
}
let reader = try DatabaseQueue(
    path: configuration.catalog,
    configuration: {
        var c = GRDB.Configuration(); c.readonly = true; return c
    }())
let runs: [Run] = try await reader.read { db in
    try Row.fetchAll(
        db, sql: #"SELECT node, trigger_detail, started_at, state FROM job WHERE id >= ? AND "trigger" = 'schedule' ORDER BY id"#,
        arguments: [firstNewJob]
    ).compactMap { row in
        let detail: String = row["trigger_detail"] ?? ""
        guard detail.hasPrefix("due "), let due = ISO8601.parse(String(detail.dropFirst(4))) else { return nil }
        return Run(node: row["node"], due: due, started: row["started_at"], state: row["state"])
    }
}
let totalJobs = try await reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM job") ?? 0 }
try reader.close()

// Lost runs: a cron node must have run at every */5 instant of the hour; an interval node
// (its next run counted from when the last one was started) must have no gap longer than
// its interval, from the start of the hour to its end (5 s of slack each).
var expected = 0
var lost: [String] = []
let inHour = runs.filter { $0.due > start && $0.due <= end }
let dueByNode = Dictionary(grouping: inHour, by: \.node).mapValues { $0.map(\.due).sorted() }
for (n, node) in configuration.nodes.enumerated() {
    let dues = dueByNode[node.name] ?? []
    if n % 2 == 0 {
        let first = (start.timeIntervalSince1970 / 300).rounded(.down) * 300 + 300
        let instants = Set(dues.map { Int($0.timeIntervalSince1970) })
        for t in stride(from: first, through: end.timeIntervalSince1970, by: 300) {
            expected += 1
            if !instants.contains(Int(t)) { lost.append("\(node.name) @ \(ISO8601.format(Date(timeIntervalSince1970: t)))") }
        }
    } else {
        let interval = Double(6 + n % 10) * 60
        expected += Int(options.hours * 3600 / interval)
        var previous = start
        for due in dues + [end] {
            if due.timeIntervalSince(previous) > interval + 5 {
                lost.append("\(node.name): no run between \(ISO8601.format(previous)) and \(ISO8601.format(due))")
            }
            previous = due
        }
    }
}
let lateness = inHour.compactMap { run in run.started.map { clock.simulated($0).timeIntervalSince(run.due) } }.sorted()
let unfinished = inHour.filter { !["Completed", "Failed", "PartiallyFailed", "Cancelled"].contains($0.state) }
let failed = inHour.filter { $0.state != "Completed" }

print(
    "fleet: \(options.nodes) nodes (\(cronNodes) on cron */5, \(options.nodes - cronNodes) on intervals of 6-15 min), max_parallel \(options.parallel)"
)
print("simulated: \(options.hours) h in \(realElapsed) of real time; catalog now \(totalJobs) jobs")
print(
    "runs: \(inHour.count) due in the hour (about \(expected) expected); lost \(lost.count); not ended \(unfinished.count); not Completed \(failed.count)"
)
print(
    "start lateness: p50 \(format(percentile(lateness, 0.5))), p99 \(format(percentile(lateness, 0.99))), max \(format(lateness.last ?? .nan)); within 5 s: \(lateness.filter { $0 <= 5 }.count) of \(lateness.count)"
)
for (path, values) in latencies.sorted(by: { $0.key < $1.key }) {
    let sorted = values.sorted()
    print("API \(path): \(values.count) requests, p50 \(format(percentile(sorted, 0.5))), p99 \(format(percentile(sorted, 0.99)))")
}
let all = latencies.values.flatMap { $0 }.sorted()
print("API all: \(all.count) requests, p99 \(format(percentile(all, 0.99)))")
for line in lost.prefix(5) { print("lost: \(line)") }
for run in failed.prefix(5) { print("not completed: \(run.node) due \(ISO8601.format(run.due)): \(run.state)") }
exit(lost.isEmpty && unfinished.isEmpty ? 0 : 1)
