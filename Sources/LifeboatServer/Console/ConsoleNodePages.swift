import Foundation
import Hummingbird
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs

/// A node's pages: Backups (schedule, history, restore) and Identity dumps.
extension Console {
    func tabs(_ node: NodeConfiguration, current: String) -> Markup {
        let base = "/nodes/\(Self.segment(node.name))"
        func tab(_ path: String, _ label: String) -> Markup {
            path == current ? "<a href=\"\(base)/\(path)\" aria-current=\"page\">\(label)</a>" : "<a href=\"\(base)/\(path)\">\(label)</a>"
        }
        return
            "<nav aria-label=\"Node\" class=\"tabs\"><a href=\"/\">Nodes</a> › \(node.name): \(tab("backups", "Backups")) · \(tab("identity", "Identity dumps"))</nav>"
    }

    /// The live status of a job: start, progress bar, phase, state and reason; the script keeps it current.
    func jobIndicator(_ job: JobView, title: String) -> Markup {
        let percent = job.state == "Completed" ? 100 : job.percent
        let value = HTML(raw: percent.map { " value=\"\(Int($0))\"" } ?? "")
        let failed = ["Failed", "PartiallyFailed", "Cancelled"].contains(job.state)
        let percentText: String = percent.map { String(Int($0)) + " %" } ?? ""
        let reason: String = failed ? "Reason: " + (job.error ?? "no reason recorded") : ""
        return """
            <section id="restore-status" class="card" data-job="\(Int(job.id))" data-state="\(job.state)" aria-live="polite" aria-labelledby="restore-status-heading">
            <h2 id="restore-status-heading">\(title) (job \(Int(job.id)))</h2>
            <dl><dt>Started</dt><dd class="js-started">\(Show.time(job.startedAt))</dd>
            <dt>Target</dt><dd>\(job.target ?? "—")</dd>
            <dt>Step</dt><dd class="js-phase">\(job.phase.isEmpty ? "waiting" : job.phase)</dd>
            <dt>Status</dt><dd><span class="badge js-state \(job.state == "Completed" ? "ok" : failed ? "bad" : "busy")">\(job.state)</span></dd></dl>
            <label for="restore-progress">Progress <span class="js-percent">\(percentText)</span></label>
            <progress id="restore-progress" max="100"\(value)></progress>
            <p class="js-error alert-text" role="alert">\(reason)</p>
            <p><a href="/jobs/\(Int(job.id))">Job details\(job.kind == "restore" && job.target == nil ? " and runbook steps" : "")</a></p>
            </section>
            """
    }

    /// `/nodes/{node}/backups`: schedule, run now, restore status, history with Restore actions.
    func backupsPage(_ session: ConsoleSession, node: NodeConfiguration, request: Request) async throws -> (String, String, Markup) {
        let base = "/nodes/\(Self.segment(node.name))"
        var indicator: Markup = ""
        var restoreJob: Job?
        if let text = request.uri.queryParameters.get("job"), let id = JobID(String(text)) {
            restoreJob = try await daemon.catalog.job(id)
        } else {
            restoreJob = try await daemon.catalog.lastJob(node: node.name, kind: .restore)
        }
        if let job = restoreJob, job.node == node.name { indicator = jobIndicator(JobView(job), title: "Restore status") }
        let snapshots = try await api.snapshots(node: node.name, kind: .backup)
        let byID = Dictionary(snapshots.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let jobs = try await daemon.catalog.jobs(node: node.name, kind: .backup, limit: 50)
        let rows: [Markup] = jobs.map { job in
            let snapshot = job.snapshot.flatMap { id in byID[id] ?? snapshots.first { $0.id.hasPrefix(id) } }
            let size = snapshot.map { ByteText.format($0.bytes) } ?? (job.bytesDone > 0 ? ByteText.format(job.bytesDone) : "—")
            let repositories = snapshot?.repositories ?? job.repositories
            var actions: Markup = "<span class=\"hint\">—</span>"
            if let snapshot {
                actions =
                    session.canAct
                    ? """
                    <details class="actions"><summary>Actions</summary>
                    <a href="\(base)/restore?snapshot=\(snapshot.id)">Restore</a></details>
                    """
                    : "<button type=\"button\" disabled title=\"Restoring needs the operator role\">Restore</button>"
            }
            let bad = ["Failed", "PartiallyFailed"].contains(job.state.rawValue)
            let snapshotCell: Markup =
                snapshot.map {
                    "<a href=\"\(base)/backups/\($0.id)\" title=\"When each store was captured\"><code>\($0.shortId)</code></a>"
                }
                ?? "<code>\(job.snapshot.map { String($0.prefix(8)) } ?? "—")</code>"
            return """
                <tr\(HTML(raw: bad ? " class=\"bad\"" : ""))><td><time datetime="\(ISO8601.format(job.createdAt))">\(Show.time(job.startedAt ?? job.createdAt))</time></td>
                <td>\(Show.state(job.state.rawValue))\(HTML(raw: bad ? "<br>" : ""))\(bad ? job.errorMessage ?? "" : "")</td><td>\(size)</td><td>\(Show.duration(job.duration))</td>
                <td>\(repositories.joined(separator: ", "))</td><td>\(snapshotCell)</td><td>\(actions)</td></tr>
                """
        }
        let history: Markup =
            jobs.isEmpty
            ? "<p id=\"history-empty\">No backups yet.</p>"
            : """
            <div class="scroll"><table id="history"><thead><tr><th scope="col">Timestamp</th><th scope="col">Status</th><th scope="col">Size</th>
            <th scope="col">Duration</th><th scope="col">Repositories</th><th scope="col">Snapshot</th><th scope="col">Actions</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        let disabled = HTML(raw: session.canAct ? "" : " disabled")
        let nodeRestore: Markup =
            session.isAdmin
            ? "<p><a href=\"\(base)/node-restore\" id=\"plan-node-restore-link\">Plan a node restore</a></p>"
            : "<p class=\"hint\" id=\"node-restore-role\">Planning and starting a node restore needs the admin role; you are signed in as \(session.role.rawValue).</p>"
        let schedule = try await scheduleSection(session, node: node, kind: .backup)
        let drills = try await drillsSection(session, node: node)
        let body: Markup = """
            \(tabs(node, current: "backups"))
            <h1>\(node.name) — Backups</h1>
            <p class="note">A state backup restores database state only; the node's keys come back from an identity dump.</p>
            \(indicator)
            \(schedule)
            <h2>Back up now</h2>
            <form method="post" action="\(base)/run"><input type="hidden" name="csrf" value="\(session.csrf)">
            <input type="hidden" name="kind" value="backup"><button type="submit" id="run-backup"\(disabled)>Back up now</button></form>
            <h2 id="history-heading">History</h2>
            \(history)
            \(drills)
            <h2 id="node-restore-heading">Node restore</h2>
            <p>The whole runbook: stop the node, move its data aside for a rollback, put a backup in place, restore keys, start and check it.</p>
            \(nodeRestore)
            """
        return ("\(node.name) backups", "", body)
    }

    /// `/nodes/{node}/restore?snapshot=ID`: the confirmation naming what will be overwritten.
    func restorePage(_ session: ConsoleSession, node: NodeConfiguration, request: Request) async throws -> (String, String, Markup) {
        guard session.canAct else {
            throw ConsoleFailure(status: .forbidden, message: "restoring needs the operator role; you are signed in as a viewer")
        }
        let id = request.uri.queryParameters.get("snapshot").map { String($0) } ?? ""
        let snapshots = try await api.snapshots(node: node.name, kind: .backup)
        guard let snapshot = snapshots.first(where: { $0.id == id }) else {
            throw ConsoleFailure(status: .notFound, message: "node \(node.name) has no state backup \(id)")
        }
        let base = "/nodes/\(Self.segment(node.name))"
        let stores: [Markup] = node.stores.map { s in
            "<li>\(s.typeName): \(s.path.map(node.resolvedPath) ?? "server store (restored by its own tool)")</li>"
        }
        let target = node.datadir ?? "/"
        let body: Markup = """
            \(tabs(node, current: "backups"))
            <h1>Restore \(node.name) from backup \(snapshot.shortId)?</h1>
            <div class="alert" role="alert"><p><strong>This overwrites the files in the target directory</strong> with the backup of
            \(Show.time(snapshot.time)) (\(ByteText.format(snapshot.bytes)), \(snapshot.files) files). With the node's datadir as target, these stores are replaced:</p>
            <ul>\(stores)</ul>
            <p>Validator identities and keys are <strong>not</strong> restored by a state backup. Stop the node before restoring into its datadir.</p></div>
            <form method="post" action="\(base)/restore" id="restore-form"><input type="hidden" name="csrf" value="\(session.csrf)">
            <input type="hidden" name="snapshot" value="\(snapshot.id)">
            <label for="restore-target">Target directory (absolute)</label>
            <input id="restore-target" name="target" type="text" required value="\(target)">
            <label class="check"><input type="checkbox" name="force" value="1" id="restore-force"> Overwrite files already in the target</label>
            <label for="restore-repository">Repository</label>
            <select id="restore-repository" name="repository">\(snapshot.repositories.map { r -> Markup in "<option>\(r)</option>" })</select>
            <p><button type="submit" class="danger" id="confirm-restore">Restore and overwrite</button> <a href="\(base)/backups">Cancel</a></p></form>
            """
        return ("Restore \(node.name)", "", body)
    }

    /// `/nodes/{node}/identity`: schedule, dump now, the list of dumps and the pairing warning.
    func identityPage(_ session: ConsoleSession, node: NodeConfiguration) async throws -> (String, String, Markup) {
        let base = "/nodes/\(Self.segment(node.name))"
        let now = daemon.clock.now()
        // Real dumps (name, key count, fingerprint) from every repository of the identity schedule.
        var dumps: [(summary: IdentityDumpSummary, repositories: [String])] = []
        for name in try await IdentityRoutes.repositories(node.name, daemon) {
            guard let repo = try? await daemon.repositories.repository(name) else { continue }
            for d in try await IdentityDumps.list(repository: repo, node: node.name) {
                if let i = dumps.firstIndex(where: { $0.summary.name == d.name }) {
                    dumps[i].repositories.append(name)
                } else {
                    dumps.append((d, [name]))
                }
            }
        }
        dumps.sort { $0.summary.created > $1.summary.created }
        let rows: [Markup] = dumps.map { entry in
            let d = entry.summary
            let download: Markup =
                session.canAct
                ? "<a href=\"\(base)/identity/\(Self.segment(d.name))/download\">Download encrypted</a>"
                : "<span class=\"hint\">Download encrypted (operators only)</span>"
            return """
                <tr><th scope="row"><code>\(d.name)</code></th><td>\(Show.time(d.created))</td><td>\(d.keyCount)</td>
                <td><code>\(String(d.fingerprint.prefix(16)))</code></td><td>\(entry.repositories.joined(separator: ", "))</td>
                <td>\(download)<br><span class="hint">Restore kit: <code>lifeboat identity restore-kit \(node.name) \(d.name) …</code></span></td></tr>
                """
        }
        let list: Markup =
            dumps.isEmpty
            ? "<p id=\"dumps-empty\">No identity dumps yet.</p>"
            : """
            <div class="scroll"><table id="dumps"><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Keys</th>
            <th scope="col">Fingerprint</th><th scope="col">Repositories</th><th scope="col">Actions</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        let warnings: [Markup] = try await Doctor.schedules(daemon, node: node, now: now).filter {
            ["pairing", "identity-missing", "identity-stale", "identity-failing"].contains($0.check)
        }.map { "<div class=\"alert\" role=\"alert\">\($0.message)<br><strong>Remedy:</strong> \($0.remedy)</div>" }
        let disabled = HTML(raw: session.canAct ? "" : " disabled")
        let schedule = try await scheduleSection(session, node: node, kind: .identity)
        let body: Markup = """
            \(tabs(node, current: "identity"))
            <h1>\(node.name) — Identity dumps</h1>
            <p class="note">An identity dump holds the node's keys and identity, not its database. Full recovery needs both.</p>
            \(warnings)
            \(schedule)
            <h2>Dump now</h2>
            <form method="post" action="\(base)/run"><input type="hidden" name="csrf" value="\(session.csrf)">
            <input type="hidden" name="kind" value="identity"><button type="submit" id="run-identity"\(disabled)>Dump identity now</button></form>
            <h2 id="dumps-heading">Identity dumps</h2>
            \(list)
            """
        return ("\(node.name) identity dumps", "", body)
    }

    /// `POST /nodes/{node}/run`: a backup, identity dump or restore drill now, through the same runner as the API.
    func runNow(_ session: ConsoleSession, _ form: FormBody, node: NodeConfiguration) async throws -> Response {
        let kind = form["kind"] ?? "backup"
        let request: JobRequest
        let anchor: String
        switch kind {
        case "identity": (request, anchor) = (.identity(node: node.name), "identity#dumps-heading")
        case "drill":
            guard node.backups != nil else {
                throw ConsoleFailure(status: .unprocessableContent, message: "node \(node.name) has no state backups to drill")
            }
            (request, anchor) = (.drill(node: node.name), "backups#drills-heading")
        case "backup": (request, anchor) = (.backup(node: node.name), "backups#history-heading")
        default: throw ConsoleFailure(status: .badRequest, message: "kind \"\(kind)\" is not one of backup, identity, drill")
        }
        _ = try await daemon.runner.submit(request, trigger: .api, detail: "console, token \(session.tokenName)")
        return Self.redirect("/nodes/\(Self.segment(node.name))/\(anchor)")
    }

    /// `POST /nodes/{node}/restore`: starts the restore job and shows its live status.
    func restore(_ session: ConsoleSession, _ form: FormBody, node: NodeConfiguration) async throws -> Response {
        let body = RestoreBody(
            snapshot: form["snapshot"], repository: form["repository"].flatMap { $0.isEmpty ? nil : $0 },
            target: form["target"]?.trimmingCharacters(in: .whitespaces), force: form["force"] == "1")
        let request = try api.restoreRequest(body, node: node.name)
        let job = try await daemon.runner.submit(.restore(request), trigger: .api, detail: "console, token \(session.tokenName)")
        return Self.redirect("/nodes/\(Self.segment(node.name))/backups?job=\(job.id)#restore-status")
    }
}
