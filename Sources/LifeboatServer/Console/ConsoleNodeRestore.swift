import Foundation
import Hummingbird
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs
import LifeboatRepository

/// The node restore pages: plan and start a node restore (admin), a job's runbook steps
/// live, and a backup's page with every store's capture time.
extension Console {
    /// A runbook step's state as a badge: done green, failed red, running and warning amber.
    static func stepBadge(_ status: String) -> Markup {
        let tone =
            switch status {
            case "done": "ok"
            case "failed": "bad"
            case "running", "warning": "busy"
            default: ""
            }
        return "<span class=\"badge js-step-status \(tone)\">\(status)</span>"
    }

    /// `/nodes/{node}/node-restore?backup=…&identityDump=…&identityFile=…`: the form, and with a
    /// backup chosen the plan's steps and the button that starts it. Admins only.
    func nodeRestorePage(_ session: ConsoleSession, node: NodeConfiguration, request: Request) async throws -> (String, String, Markup) {
        guard session.isAdmin else {
            throw ConsoleFailure(
                status: .forbidden, message: "planning a node restore needs the admin role; you are signed in as \(session.role.rawValue)")
        }
        let base = "/nodes/\(Self.segment(node.name))"
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            query.get(name).map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let snapshots = try await api.snapshots(node: node.name, kind: .backup)
        var dumps: [String] = []
        if node.identity != nil {
            for name in try await IdentityRoutes.repositories(node.name, daemon) {
                guard let repo = try? await daemon.repositories.repository(name) else { continue }
                for d in (try? await IdentityDumps.list(repository: repo, node: node.name)) ?? [] where !dumps.contains(d.name) {
                    dumps.append(d.name)
                }
            }
        }
        var request = NodeRestoreRequest(
            node: node.name, backup: value("backup") ?? "latest", identityDump: value("identityDump"), identityFile: value("identityFile"),
            newParticipantId: value("newParticipantId"), restoreKitDirectory: value("restoreKitDirectory"))
        let chosen = query.get("backup") != nil
        func option(_ value: String, _ label: String, selected: String?) -> Markup {
            "<option value=\"\(value)\"\(HTML(raw: value == selected ? " selected" : ""))>\(label)</option>"
        }
        let backupOptions: [Markup] =
            [option("latest", "latest", selected: request.backup)]
            + snapshots.map { s in
                option(s.id, "\(s.shortId) — \(Show.time(s.time)) — \(ByteText.format(s.bytes))", selected: request.backup)
            }
        let dumpOptions: [Markup] =
            [option("", "none: keys are left as they are", selected: request.identityDump ?? "")]
            + (dumps.isEmpty ? [] : [option("latest", "latest", selected: request.identityDump)])
            + dumps.map { option($0, $0, selected: request.identityDump) }
        let canton: Markup =
            node.profile == .canton
            ? """
            <label for="nr-participant">New participant identifier (Canton restore kit; optional)</label>
            <input id="nr-participant" name="newParticipantId" type="text" value="\(request.newParticipantId ?? "")">
            <label for="nr-kit">Restore-kit directory on the daemon's host (optional)</label>
            <input id="nr-kit" name="restoreKitDirectory" type="text" value="\(request.restoreKitDirectory ?? "")">
            """ : ""
        var planned: Markup = ""
        if chosen {
            do {
                try api.checkNodeRestore(&request)
                let steps = try await daemon.executor.nodeRestorePlan(request)
                let rows: [Markup] = steps.enumerated().map { i, step in
                    """
                    <tr data-step-id="\(step.id)"><td>\(i + 1)</td><th scope="row"><code>\(step.id)</code></th><td>\(step.description)</td><td>\(Self.stepBadge(step.status))</td></tr>
                    """
                }
                let hidden: [Markup] = [
                    ("backup", request.backup), ("identityDump", request.identityDump), ("identityFile", request.identityFile),
                    ("newParticipantId", request.newParticipantId), ("restoreKitDirectory", request.restoreKitDirectory),
                ].compactMap { name, value in value.map { "<input type=\"hidden\" name=\"\(name)\" value=\"\($0)\">" } }
                planned = """
                    <h2 id="plan-heading">Plan: \(steps.count) steps</h2>
                    <div class="scroll"><table id="plan"><thead><tr><th scope="col">#</th><th scope="col">Step</th><th scope="col">What it does</th>
                    <th scope="col">Status</th></tr></thead><tbody>\(rows)</tbody></table></div>
                    <form method="post" action="\(base)/node-restores" id="node-restore-form"><input type="hidden" name="csrf" value="\(session.csrf)">
                    \(hidden)
                    \(request.identityDump == nil ? "" : Self.originalStoppedBox)
                    <p><button type="submit" class="danger" id="start-node-restore">Start the node restore</button> <a href="\(base)/backups">Cancel</a></p></form>
                    """
            } catch {
                let (_, message) = Self.describe(error)
                planned = "<p class=\"alert\" role=\"alert\" id=\"plan-error\">\(message)</p>"
            }
        }
        let body: Markup = """
            \(tabs(node, current: "backups"))
            <h1>Node restore of \(node.name)</h1>
            <div class="alert" role="note"><p>A node restore runs the whole runbook: it stops the node, moves its data aside (kept for
            a rollback until the restore succeeds), puts the backup in place, restores keys from an identity dump, starts the node
            and checks it. Plan first: nothing is touched until you start it.</p></div>
            <form method="get" action="\(base)/node-restore" id="node-restore-plan-form">
            <label for="nr-backup">Backup</label>
            <select id="nr-backup" name="backup">\(backupOptions)</select>
            <label for="nr-dump">Identity dump</label>
            <select id="nr-dump" name="identityDump">\(dumpOptions)</select>
            <label for="nr-identity-file">Identity file that decrypts the dump (age key, absolute path on the daemon's host)</label>
            <input id="nr-identity-file" name="identityFile" type="text" value="\(request.identityFile ?? "")">
            \(canton)
            <p><button type="submit" id="plan-node-restore">Plan</button></p></form>
            \(planned)
            """
        return ("Node restore of \(node.name)", "", body)
    }

    /// The fencing override: the restore of an identity refuses while the original still
    /// answers with it, unless the admin ticks this.
    static let originalStoppedBox: Markup = """
        <p><label><input type="checkbox" name="iHaveStoppedTheOriginal" id="nr-original-stopped"> I have stopped the original node:
        restore the identity even if the original still answers with it (otherwise the restore refuses while it does)</label></p>
        """

    /// `POST /nodes/{node}/node-restores`: starts the node restore the plan showed (admins,
    /// through the same checks and runner as the API), then shows its job.
    func startNodeRestore(_ session: ConsoleSession, _ form: FormBody, node: NodeConfiguration) async throws -> Response {
        func value(_ name: String) -> String? {
            form[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var request = NodeRestoreRequest(
            node: node.name, backup: value("backup") ?? "latest", identityDump: value("identityDump"), identityFile: value("identityFile"),
            newParticipantId: value("newParticipantId"), restoreKitDirectory: value("restoreKitDirectory"))
        request.iHaveStoppedTheOriginal = form["iHaveStoppedTheOriginal"] == "on"
        try api.checkNodeRestore(&request)
        let job = try await daemon.runner.submit(.nodeRestore(request), trigger: .api, detail: "console, token \(session.tokenName)")
        api.cache.invalidate()
        return Self.redirect("/jobs/\(job.id)")
    }

    /// `/jobs/{id}`: a job's state and, for a node restore, every runbook step with its state
    /// and message; the script keeps both current while the job runs.
    func jobPage(_ session: ConsoleSession, context: APIContext) async throws -> (String, String, Markup) {
        let text = context.parameters.get("id") ?? ""
        guard let id = JobID(text), let job = try await daemon.catalog.job(id) else {
            throw ConsoleFailure(status: .notFound, message: "no job \(text)")
        }
        let view = JobView(job, steps: try await daemon.catalog.steps(id))
        let failed = ["Failed", "PartiallyFailed", "Cancelled"].contains(view.state)
        let tone = view.state == "Completed" ? "ok" : failed ? "bad" : "busy"
        let nodeLink: Markup =
            daemon.configuration.node(named: job.node) == nil
            ? "\(job.node)" : "<a href=\"/nodes/\(Self.segment(job.node))/backups\">\(job.node)</a>"
        let rows: [Markup] = (view.steps ?? []).enumerated().map { i, step in
            """
            <tr data-step="\(i)" data-step-id="\(step.id)" data-status="\(step.status)"><td>\(i + 1)</td><th scope="row"><code>\(step.id)</code></th>
            <td>\(step.description)</td><td>\(Self.stepBadge(step.status))</td><td class="js-step-message">\(step.message ?? "")</td>
            <td class="js-step-started">\(Show.clock(step.startedAt))</td><td class="js-step-ended">\(Show.clock(step.endedAt))</td></tr>
            """
        }
        // A node restore lists its steps once it starts; until then the script fills the table.
        let runsRunbook = job.kind == .restore && job.target == nil && !job.state.isFinished
        let placeholder: Markup = "<tr class=\"js-no-steps\"><td colspan=\"7\">The steps appear when the job starts.</td></tr>"
        let steps: Markup =
            rows.isEmpty && !runsRunbook
            ? ""
            : """
            <h2 id="steps-heading">Runbook steps</h2>
            <div class="scroll"><table id="steps"><thead><tr><th scope="col">#</th><th scope="col">Step</th><th scope="col">What it does</th>
            <th scope="col">Status</th><th scope="col">Message</th><th scope="col">Started</th><th scope="col">Finished</th></tr></thead>
            <tbody>\(rows.isEmpty ? [placeholder] : rows)</tbody></table></div>
            """
        let body: Markup = """
            <nav aria-label="Job" class="tabs"><a href="/">Nodes</a> › \(nodeLink) › job \(Int(view.id))</nav>
            <h1>Job \(Int(view.id)): \(view.kind) of \(view.node)</h1>
            <section id="job-status" class="card" data-job="\(Int(view.id))" data-state="\(view.state)" aria-live="polite" aria-labelledby="job-status-heading">
            <h2 id="job-status-heading">Status</h2>
            <dl><dt>Status</dt><dd><span class="badge js-state \(tone)">\(view.state)</span></dd>
            <dt>Started</dt><dd class="js-started">\(Show.time(view.startedAt))</dd>
            <dt>Step</dt><dd class="js-phase">\(view.phase.isEmpty ? "waiting" : view.phase)</dd>
            <dt>Trigger</dt><dd>\(view.trigger)\(HTML(raw: view.triggerDetail == nil ? "" : ", "))\(view.triggerDetail ?? "")</dd></dl>
            <p class="js-error alert-text" role="alert">\(failed ? "Reason: " + (view.error ?? "no reason recorded") : "")</p>
            \(steps)
            </section>
            """
        return ("Job \(view.id)", "", body)
    }

    /// `/nodes/{node}/backups/{snapshot}`: one backup, with the moment each store was captured.
    func backupPage(_ session: ConsoleSession, node: NodeConfiguration, context: APIContext) async throws -> (String, String, Markup) {
        let id = (context.parameters.get("snapshot") ?? "").lowercased()
        let snapshots = try await api.snapshots(node: node.name, kind: .backup)
        guard id.count >= 4, let view = snapshots.first(where: { $0.id.hasPrefix(id) }) else {
            throw ConsoleFailure(status: .notFound, message: "node \(node.name) has no state backup \(id)")
        }
        var captures: [StoreCapture] = []
        for name in view.repositories {
            guard let repo = try? await daemon.repositories.repository(name),
                let record = try await repo.snapshots().first(where: { $0.id.hex == view.id || $0.snapshot.origin?.snapshot.hex == view.id }
                )
            else { continue }
            captures = try await StoreCaptures.read(node: node, repository: repo, record: record)
            break
        }
        let base = "/nodes/\(Self.segment(node.name))"
        let times = captures.compactMap(\.capturedAt)
        var spread: Markup = ""
        if times.count > 1, let first = times.min(), let last = times.max() {
            let gap = last.timeIntervalSince(first)
            spread = """
                <p class="note" id="capture-spread">The stores were captured \(gap < 1 ? "within a second" : "up to \(Show.span(gap)) apart"):
                from \(Show.time(first)) to \(Show.time(last)).</p>
                """
        }
        let rows: [Markup] = captures.map { c in
            """
            <tr\(HTML(raw: c.capturedAt == nil ? " class=\"bad\"" : ""))><th scope="row">\(c.store)</th><td>\(c.type)</td><td><code>\(c.entry)</code></td>
            <td>\(c.capturedAt.map { "<time datetime=\"\(ISO8601.format($0))\">\(Show.time($0))</time>" as Markup } ?? "—")</td><td>\(c.method)</td></tr>
            """
        }
        var actions: [Markup] = []
        if session.canAct { actions.append("<a href=\"\(base)/restore?snapshot=\(view.id)\">Restore the files into a directory</a>") }
        if session.isAdmin {
            actions.append(
                "<a href=\"\(base)/node-restore?backup=\(view.id)\" id=\"plan-from-backup\">Plan a node restore from this backup</a>")
        }
        let body: Markup = """
            \(tabs(node, current: "backups"))
            <h1>Backup \(view.shortId) of \(node.name)</h1>
            <dl><dt>Started</dt><dd><time datetime="\(ISO8601.format(view.time))">\(Show.time(view.time))</time></dd>
            <dt>Size</dt><dd>\(ByteText.format(view.bytes)), \(view.files) files</dd>
            <dt>Repositories</dt><dd>\(view.repositories.joined(separator: ", "))</dd>
            <dt>Snapshot</dt><dd><code>\(view.id)</code></dd></dl>
            <h2 id="captures-heading">When each store was captured</h2>
            \(spread)
            <div class="scroll"><table id="captures"><thead><tr><th scope="col">Store</th><th scope="col">Type</th><th scope="col">Entry</th>
            <th scope="col">Captured</th><th scope="col">How the time was taken</th></tr></thead><tbody>\(rows)</tbody></table></div>
            <p>\(actions.isEmpty ? ["<span class=\"hint\">Restoring needs the operator role; a node restore the admin role.</span>"] : actions.enumerated().map { i, a in i == 0 ? a : " · \(a)" })</p>
            """
        return ("Backup \(view.shortId) of \(node.name)", "", body)
    }
}
