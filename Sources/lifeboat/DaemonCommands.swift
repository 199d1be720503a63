import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatJobs
import LifeboatRepository
import LifeboatServer

/// `lifeboat status`: every node with its last results and next runs, from the daemon.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show nodes, last results and next runs (from the daemon).")

    @OptionGroup var server: ServerOptions

    func run() async throws {
        try await runReporting {
            let nodes = try await server.client().get("/api/v1/nodes", as: [NodeView].self)
            if server.json { return try Output.json(nodes) }
            for node in nodes {
                Output.line("\(node.name) (\(node.profile))\(node.warnings.isEmpty ? "" : "  ⚠ " + node.warnings.joined(separator: "; "))")
                for s in node.schedules {
                    let last = node.lastJobs[s.kind]
                    let lastText = last.map { "\($0.state) \(ISO8601.format($0.endedAt ?? $0.createdAt))" } ?? "never run"
                    let when =
                        s.plan == nil
                        ? "no schedule" : s.paused ? "paused" : s.nextRun.map { "next \(ISO8601.format($0))" } ?? "next run pending"
                    Output.line(
                        "  \(s.kind.padding(toLength: 9, withPad: " ", startingAt: 0)) \(s.description ?? "-"); \(when); last: \(lastText)")
                }
            }
        }
    }
}

extension ScheduleView {
    var plan: String? { cron ?? interval }
}

/// `lifeboat history NODE`: the node's jobs, newest first.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show a node's job history (from the daemon).")

    @OptionGroup var server: ServerOptions

    @Argument(help: "The node.")
    var node: String

    @Option(name: .long, help: "Only jobs of this kind: backup, identity, restore, verify, prune, copy.")
    var kind: String?

    @Option(name: .long, help: "How many jobs (1-1000).")
    var limit: Int = 20

    func run() async throws {
        try await runReporting {
            var path = "/api/v1/nodes/\(pathSegment(node))/history?limit=\(limit)"
            if let kind { path += "&kind=\(pathSegment(kind))" }
            let jobs = try await server.client().get(path, as: [JobView].self)
            if server.json { return try Output.json(jobs) }
            if jobs.isEmpty { Output.line("no jobs for \(node) yet") }
            for job in jobs { Output.line(JobText.line(job)) }
        }
    }
}

/// `lifeboat run NODE`: starts a backup (or identity dump) now.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Start a node's backup now (through the daemon).")

    @OptionGroup var server: ServerOptions

    @Argument(help: "The node.")
    var node: String

    @Flag(name: .long, help: "Start an identity dump instead of a state backup.")
    var identity = false

    @Flag(name: .long, help: "Wait for the job to finish, with a progress bar on a terminal.")
    var wait = false

    func run() async throws {
        try await runReporting {
            let client = try server.client()
            let what = identity ? "identity-dumps" : "backups"
            let job = try await client.post("/api/v1/nodes/\(pathSegment(node))/\(what)", as: JobView.self)
            if wait {
                try await JobText.followToEnd(job.id, client: client, json: server.json)
            } else if server.json {
                try Output.json(job)
            } else {
                Output.line("job \(job.id) queued: \(job.kind) of \(job.node); follow it with: lifeboat job \(job.id) --follow")
            }
        }
    }
}

/// `lifeboat job ID [--follow]`: one job's status.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "job", abstract: "Show a job's status; --follow until it ends.")

    @OptionGroup var server: ServerOptions

    @Argument(help: "The job id.")
    var id: Int64

    @Flag(name: .long, help: "Follow the job with a progress bar until it ends; exit 1 unless it Completed.")
    var follow = false

    @Flag(name: .long, help: "Cancel the job.")
    var cancel = false

    func run() async throws {
        try await runReporting {
            let client = try server.client()
            if cancel {
                let job = try await client.post("/api/v1/jobs/\(id)/cancel", as: JobView.self)
                return server.json ? try Output.json(job) : Output.line("job \(id): cancel requested (\(job.state))")
            }
            if follow { return try await JobText.followToEnd(id, client: client, json: server.json) }
            let job = try await client.get("/api/v1/jobs/\(id)", as: JobView.self)
            if server.json { try Output.json(job) } else { Output.line(JobText.line(job)) }
        }
    }
}

/// Text forms of jobs and following one.
enum JobText {
    static func line(_ job: JobView) -> String {
        var parts = ["job \(job.id)", job.kind, job.node, job.state]
        parts.append(ISO8601.format(job.startedAt ?? job.createdAt))
        if let d = job.durationSeconds { parts.append(String(format: "%.1fs", d)) }
        if !job.phase.isEmpty && job.state == "Running" { parts.append("phase \(job.phase)") }
        if let p = job.percent, job.state == "Running" { parts.append(String(format: "%.0f%%", p)) }
        if let s = job.snapshot { parts.append("snapshot \(s.prefix(8))") }
        if !job.repositories.isEmpty { parts.append("in \(job.repositories.joined(separator: ","))") }
        if let e = job.error { parts.append("error: \(e)") }
        return parts.joined(separator: "  ")
    }

    /// Follows a job to its end, prints it (text or JSON) and exits 1 unless it Completed.
    static func followToEnd(_ id: Int64, client: DaemonClient, json: Bool) async throws {
        let final = try await follow(id, client: client, quiet: json)
        if json { try Output.json(final) } else { Output.line(line(final)) }
        if final.state != "Completed" { throw ExitCode(ExitStatus.failure) }
    }

    /// Polls the job until it ends, drawing progress on a terminal.
    static func follow(_ id: Int64, client: DaemonClient, quiet: Bool) async throws -> JobView {
        let bar: ProgressBar? = quiet || isatty(STDERR_FILENO) != 1 ? nil : ProgressBar()
        while true {
            let job = try await client.get("/api/v1/jobs/\(id)", as: JobView.self)
            if ["Completed", "Failed", "PartiallyFailed", "Cancelled"].contains(job.state) {
                bar?.finish()
                return job
            }
            bar?.report(
                ProgressEvent(
                    phase: job.phase.isEmpty ? job.state.lowercased() : job.phase, bytesDone: job.bytesDone,
                    bytesTotal: job.bytesTotal ?? 0, filesDone: 0, filesTotal: 0))
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
