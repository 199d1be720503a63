import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs

/// The Restore drills section of a node's Backups page: the drill schedule, the last drill
/// that passed, each recent drill with its checks, and "Drill now".
extension Console {
    func drillsSection(_ session: ConsoleSession, node: NodeConfiguration) async throws -> Markup {
        guard node.backups != nil else { return "" }
        let base = "/nodes/\(Self.segment(node.name))"
        let now = daemon.clock.now()
        let drills = try await daemon.catalog.drills(node: node.name, limit: 10)
        var schedule: Markup =
            "<p id=\"drill-schedule\" class=\"hint\">No drill schedule: add a drills: section to the node in lifeboat.yaml.</p>"
        if node.drills != nil {
            let effective = try await daemon.scheduler.schedule(node: node.name, kind: .drill)
            let when = effective.plan?.schedule.humanDescription ?? "—"
            let next = effective.paused ? "paused" : "next \(Show.time(effective.nextRun)) (\(Show.age(effective.nextRun, now: now)))"
            schedule = "<p id=\"drill-schedule\">Scheduled \(when); \(next).</p>"
        }
        let lastPassed = drills.first(where: \.passed)
        let summary: Markup =
            lastPassed.map { drill in
                let end = drill.startedAt.addingTimeInterval(drill.duration)
                return
                    "<p id=\"drill-last-success\">Last drill that passed: <time datetime=\"\(ISO8601.format(end))\">\(Show.time(end))</time> (\(Show.age(end, now: now))).</p>"
            } ?? "<p id=\"drill-last-success\">No drill has passed yet.</p>"
        let rows: [Markup] = drills.map { drill in
            let result: Markup = drill.passed ? "<span class=\"badge ok\">passed</span>" : "<span class=\"badge bad\">failed</span>"
            let checks: [Markup] = drill.checks.map { check in
                "<li class=\"\(check.passed ? "ok" : "bad")\">\(check.passed ? "✓" : "✗") \(check.name): \(check.detail)</li>"
            }
            let checkList: Markup = checks.isEmpty ? "\(drill.error ?? "—")" : "<ul class=\"checks\">\(checks)</ul>"
            return """
                <tr\(HTML(raw: drill.passed ? "" : " class=\"bad\""))><td><a href="/jobs/\(Int(drill.job.rawValue))"><time datetime="\(ISO8601.format(drill.startedAt))">\(Show.time(drill.startedAt))</time></a></td>
                <td>\(result)</td><td><code>\(drill.snapshot.map { String($0.prefix(8)) } ?? "—")</code></td><td>\(Show.duration(drill.duration))</td>
                <td>\(drill.files) files, \(ByteText.format(drill.bytes))</td><td><code title="\(drill.digest ?? "")">\(drill.digest.map { String($0.prefix(12)) } ?? "—")</code></td>
                <td>\(checkList)</td></tr>
                """
        }
        let table: Markup =
            drills.isEmpty
            ? "<p id=\"drills-empty\">No drills yet.</p>"
            : """
            <div class="scroll"><table id="drills"><thead><tr><th scope="col">Started</th><th scope="col">Result</th><th scope="col">Backup</th>
            <th scope="col">Duration</th><th scope="col">Restored</th><th scope="col">Digest</th><th scope="col">Checks</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        let disabled = HTML(raw: session.canAct ? "" : " disabled")
        return """
            <h2 id="drills-heading">Restore drills</h2>
            <p>A drill restores the latest backup into a scratch directory, reads every file back against the backup and checks each store; nothing on the node is touched.</p>
            \(schedule)
            \(summary)
            <form method="post" action="\(base)/run"><input type="hidden" name="csrf" value="\(session.csrf)">
            <input type="hidden" name="kind" value="drill"><button type="submit" id="run-drill"\(disabled)>Drill now</button></form>
            \(table)
            """
    }
}
