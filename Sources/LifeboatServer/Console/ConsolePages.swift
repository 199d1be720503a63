import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs

/// The overview pages: Nodes, Storage and Troubleshooting.
extension Console {
    /// `/`: every node with its profile, last state backup and identity dump, next runs; trouble in red.
    func nodesPage(_ session: ConsoleSession) async throws -> (String, String, Markup) {
        let now = daemon.clock.now()
        var cards: [Markup] = []
        for view in try await api.nodes() {
            let bad = !view.warnings.isEmpty
            let path = "/nodes/\(Self.segment(view.name))"
            var rows: [Markup] = []
            for (kind, label) in [("backup", "State backup"), ("identity", "Identity dump")] {
                let last = view.lastJobs[kind]
                let schedule = view.schedules.first { $0.kind == kind }
                let next: String =
                    schedule.map { s in
                        s.cron == nil && s.interval == nil ? "no schedule" : s.paused ? "paused" : Show.time(s.nextRun ?? s.nextRuns.first)
                    } ?? "no schedule"
                let failed = last.map { ["Failed", "PartiallyFailed"].contains($0.state) } ?? false
                rows.append(
                    """
                    <tr\(HTML(raw: failed ? " class=\"bad\"" : ""))><th scope="row">\(label)</th>
                    <td>\(Show.state(last?.state))</td><td>\(Show.time(last?.endedAt ?? last?.createdAt))</td>
                    <td>\(Show.age(last?.endedAt ?? last?.createdAt, now: now))</td><td>\(next)</td></tr>
                    """)
            }
            let warnings: [Markup] = view.warnings.map { "<li>\($0)</li>" }
            let alert: Markup = bad ? "<div class=\"alert\" role=\"status\"><ul>\(warnings)</ul></div>" : ""
            cards.append(
                """
                <section class="card\(HTML(raw: bad ? " bad" : ""))" aria-labelledby="node-\(view.name)">
                <h2 id="node-\(view.name)"><a href="\(path)/backups">\(view.name)</a></h2>
                <p>Profile: <strong>\(view.profile)</strong>\(HTML(raw: view.datadir == nil ? "" : " · datadir "))\(view.datadir ?? "")</p>
                \(alert)
                <div class="scroll"><table><caption class="hint">Last runs and next runs</caption>
                <thead><tr><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Time</th><th scope="col">Age</th><th scope="col">Next run</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                <p><a href="\(path)/backups">Backups</a> · <a href="\(path)/identity">Identity dumps</a></p>
                </section>
                """)
        }
        let body: Markup = "<h1>Nodes</h1><div class=\"cards\">\(cards)</div>"
        return ("Nodes", "/", body)
    }

    /// `/storage`: naive sizing beside measured sizes, free space, growth and forecast.
    func storagePage(_ session: ConsoleSession) async throws -> (String, String, Markup) {
        let report = try await Sizing.report(daemon)
        let nodeRows: [Markup] = report.nodes.map { n in
            """
            <tr><th scope="row">\(n.node)</th><td>\(ByteText.format(n.databaseBytes))</td><td>\(n.maxBackups)</td>
            <td>\(ByteText.format(n.naiveBytes))</td><td>\(n.backups)</td><td>\(ByteText.format(n.measuredBytes))</td>
            <td>\(n.repositories.joined(separator: ", "))</td></tr>
            """
        }
        let repoRows: [Markup] = report.repositories.map { r in
            let growth = r.growthBytesPerDay.map { ByteText.format(Int64($0)) + "/day" } ?? "not enough history"
            let full = r.fullAt.map { Show.time($0) } ?? (r.freeBytes == nil ? "no bound (S3)" : "not growing")
            let free = r.freeBytes.map { f in ByteText.format(f) + (r.capacityBytes.map { " of " + ByteText.format($0) } ?? "") } ?? "—"
            let trouble = !r.reachable || r.warning != nil
            let note: Markup =
                r.reachable
                ? (r.warning.map { "<div class=\"alert\" role=\"alert\">\($0)</div>" } ?? "")
                : "<div class=\"alert\" role=\"alert\">unreachable: \(r.error ?? "unknown")</div>"
            return """
                <tr\(HTML(raw: trouble ? " class=\"bad\"" : ""))><th scope="row">\(r.name)</th><td>\(r.kind)</td><td>\(r.snapshots)</td>
                <td>\(ByteText.format(r.logicalBytes))</td><td>\(ByteText.format(r.storedBytes))</td>
                <td>\(String(format: "%.1f×", r.dedupRatio))</td><td>\(free)</td><td>\(growth)</td><td>\(full)</td>
                <td>\(ByteText.format(r.nextRunBytes))\(HTML(raw: r.nextRun == nil ? "" : " at "))\(r.nextRun.map { Show.time($0) } ?? "")\(note)</td></tr>
                """
        }
        let body: Markup = """
            <h1>Storage</h1>
            <p class="note">The naive sizing is the operators' formula: <em>number of backups × database size</em>. The measured size is what the
            repositories really hold after deduplication and compression.</p>
            <h2>Nodes</h2><div class="scroll"><table><thead><tr><th scope="col">Node</th><th scope="col">Database size</th>
            <th scope="col">Max Backup Number</th><th scope="col">Naive sizing</th><th scope="col">Backups held</th>
            <th scope="col">Measured (deduplicated)</th><th scope="col">Repositories</th></tr></thead><tbody>\(nodeRows)</tbody></table></div>
            <h2>Repositories</h2><div class="scroll"><table><thead><tr><th scope="col">Repository</th><th scope="col">Kind</th>
            <th scope="col">Snapshots</th><th scope="col">Logical</th><th scope="col">Stored</th><th scope="col">Dedup</th>
            <th scope="col">Free</th><th scope="col">Growth</th><th scope="col">Full around</th><th scope="col">Next run needs</th></tr></thead>
            <tbody>\(repoRows)</tbody></table></div>
            <p class="hint">Measured at \(Show.time(report.measuredAt)). The CLI shows the same: <code>lifeboat size</code>.</p>
            """
        return ("Storage", "/storage", body)
    }

    /// `/troubleshooting`: the doctor's findings per node, with remedies.
    func troubleshootingPage(_ session: ConsoleSession) async throws -> (String, String, Markup) {
        let report = try await Doctor.run(daemon)
        var sections: [Markup] = []
        let groups = Dictionary(grouping: report.findings) { $0.node ?? "" }
        for name in report.nodes + (groups[""] == nil ? [] : [""]) {
            let findings = groups[name] ?? []
            let rows: [Markup] = findings.map { f in
                let tone = f.severity == .info ? "ok" : f.severity == .warning ? "busy" : "bad"
                return """
                    <tr\(HTML(raw: f.severity == .error ? " class=\"bad\"" : ""))><td><span class="badge \(tone)">\(f.severity.rawValue)</span></td>
                    <td>\(f.check)</td><td>\(f.message)</td><td>\(f.remedy)</td></tr>
                    """
            }
            let content: Markup =
                findings.isEmpty
                ? "<p><span class=\"badge ok\">ok</span> No problems found.</p>"
                : """
                <div class="scroll"><table><thead><tr><th scope="col">Severity</th><th scope="col">Check</th><th scope="col">Problem</th>
                <th scope="col">Remedy</th></tr></thead><tbody>\(rows)</tbody></table></div>
                """
            sections.append("<h2>\(name.isEmpty ? "Repositories" : name)</h2>\(content)")
        }
        let body: Markup = """
            <h1>Troubleshooting</h1><p class="hint">Checked at \(Show.time(report.checkedAt)); <code>lifeboat doctor</code> prints the same.</p>
            \(sections)
            """
        return ("Troubleshooting", "/troubleshooting", body)
    }
}
