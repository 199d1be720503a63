import Foundation
import LifeboatCatalog
import LifeboatCore
import LifeboatJobs

/// The Prometheus text exposition (format 0.0.4) of `/metrics`, read from the catalog (one
/// summary read, ``Catalog/summaries()``) so that it survives restarts and never disagrees
/// with the history; the API reuses a rendering for up to a second (``SummaryCache``).
enum Metrics {
    struct Family {
        var name: String
        var help: String
        var type: String
        var samples: [(labels: [(String, String)], value: Double)] = []
    }

    static func render(_ daemon: Daemon) async -> String {
        var lastSuccess = Family(
            name: "lifeboat_last_success_timestamp_seconds", help: "End time of the last Completed job, per node and kind.", type: "gauge")
        var lastDuration = Family(
            name: "lifeboat_last_duration_seconds", help: "Duration of the last finished job, per node and kind.", type: "gauge")
        var lastBytes = Family(
            name: "lifeboat_last_bytes", help: "Bytes processed by the last finished job, per node and kind.", type: "gauge")
        var lastFailed = Family(
            name: "lifeboat_last_job_failed", help: "1 when the last finished job failed, per node and kind.", type: "gauge")
        var failures = Family(name: "lifeboat_failures_total", help: "Failed jobs, per node and kind.", type: "counter")
        var runs = Family(name: "lifeboat_jobs_total", help: "Finished jobs, per node, kind and state.", type: "counter")
        var nextRun = Family(
            name: "lifeboat_next_run_timestamp_seconds", help: "When the schedule next starts a job, per node and kind.", type: "gauge")
        var paused = Family(name: "lifeboat_schedule_paused", help: "1 when the schedule is paused, per node and kind.", type: "gauge")
        var stored = Family(
            name: "lifeboat_repository_stored_bytes", help: "Bytes stored in the repository, as last measured.", type: "gauge")
        var free = Family(
            name: "lifeboat_repository_free_bytes",
            help: "Free bytes on the file system holding a directory repository, measured now.", type: "gauge")
        var capacity = Family(
            name: "lifeboat_repository_capacity_bytes",
            help: "Size of the file system holding a directory repository.", type: "gauge")
        var running = Family(name: "lifeboat_jobs_running", help: "Jobs running now.", type: "gauge")
        var pairing = Family(
            name: "lifeboat_pairing_ok", help: "1 when the latest state backup and identity dump are within each other's period.",
            type: "gauge")
        var up = Family(name: "lifeboat_up", help: "1 while the daemon runs.", type: "gauge")
        var drill = Family(
            name: "lifeboat_drill_last_success_timestamp",
            help: "End time of the last restore drill that passed, per node (seconds since the epoch).", type: "gauge")
        // One read for every node and kind; a catalog that cannot be read leaves the job families empty.
        let summaries = (try? await daemon.catalog.summaries()) ?? []
        for node in daemon.configuration.nodes {
            for kind in Scheduler.scheduledKinds(of: node) {
                let labels = [("node", node.name), ("kind", kind.rawValue)]
                let summary = summaries.first { $0.node == node.name && $0.kind == kind } ?? JobSummary(node: node.name, kind: kind)
                if let end = summary.lastCompleted?.endedAt {
                    lastSuccess.samples.append((labels, end.timeIntervalSince1970))
                }
                if let job = summary.last, job.state.isFinished {
                    lastDuration.samples.append((labels, job.duration ?? 0))
                    lastBytes.samples.append((labels, Double(job.bytesDone)))
                    lastFailed.samples.append((labels, job.state == .failed ? 1 : 0))
                }
                failures.samples.append((labels, Double(summary.counts[.failed] ?? 0)))
                for state in JobState.allCases where state.isFinished {
                    if let count = summary.counts[state], count > 0 {
                        runs.samples.append((labels + [("state", state.rawValue)], Double(count)))
                    }
                }
                if let schedule = try? await daemon.scheduler.schedule(node: node.name, kind: kind), schedule.plan != nil {
                    paused.samples.append((labels, schedule.paused ? 1 : 0))
                    if let next = schedule.nextRun { nextRun.samples.append((labels, next.timeIntervalSince1970)) }
                }
            }
        }
        for node in daemon.configuration.nodes where node.identity != nil && node.backups != nil {
            let problems = await Pairing.problems(node: node, daemon: daemon, now: daemon.clock.now())
            pairing.samples.append(([("node", node.name)], problems.isEmpty ? 1 : 0))
        }
        for (name, bytes) in await daemon.sizes.bytes.sorted(by: { $0.key < $1.key }) {
            stored.samples.append(([("repository", name)], Double(bytes)))
        }
        for rc in daemon.configuration.repositories where rc.kind == .directory {
            guard let space = FreeSpace.of(rc.url) else { continue }
            free.samples.append(([("repository", rc.name)], Double(space.free)))
            capacity.samples.append(([("repository", rc.name)], Double(space.capacity)))
        }
        let drills = (try? await daemon.catalog.lastPassedDrills()) ?? [:]
        for node in daemon.configuration.nodes {
            guard let last = drills[node.name] else { continue }
            drill.samples.append(([("node", node.name)], last.startedAt.addingTimeInterval(last.duration).timeIntervalSince1970))
        }
        running.samples.append(([], Double(await daemon.runner.runningCount)))
        up.samples.append(([], 1))
        return [
            lastSuccess, lastDuration, lastBytes, lastFailed, failures, runs, nextRun, paused, stored, free, capacity, pairing, drill,
            running,
            up,
        ]
        .map(text).joined()
    }

    static func text(_ family: Family) -> String {
        var out = "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
        for sample in family.samples {
            let labels = sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
            out += family.name + (labels.isEmpty ? "" : "{\(labels)}") + " " + number(sample.value) + "\n"
        }
        return out
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.3f", value)
    }
}
