import Foundation
import Hummingbird
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs

/// The schedule section of a node's Backups and Identity dumps pages, and its forms.
extension Console {
    /// The schedule in force with its plain-English reading and next runs, and the forms to change it.
    func scheduleSection(_ session: ConsoleSession, node: NodeConfiguration, kind: JobKind) async throws -> Markup {
        let now = daemon.clock.now()
        let view = ScheduleView(try await daemon.scheduler.schedule(node: node.name, kind: kind), now: now)
        let maxLabel = kind == .identity ? "Max Dump Number" : "Max Backup Number"
        let action = "/nodes/\(Self.segment(node.name))/schedules/\(kind.rawValue)"
        let csrf: Markup = "<input type=\"hidden\" name=\"csrf\" value=\"\(session.csrf)\">"
        let disabled = HTML(raw: session.canAct ? "" : " disabled")
        let hasPlan = view.cron != nil || view.interval != nil
        var current: Markup
        if hasPlan {
            let runs: [Markup] = view.nextRuns.map { "<li><time datetime=\"\(ISO8601.format($0))\">\(Show.time($0))</time></li>" }
            let expression = view.cron ?? view.interval ?? ""
            current = """
                <dl class="schedule" id="\(kind.rawValue)-schedule">
                <dt>\(view.cron == nil ? "Interval" : "Cron expression")</dt><dd><code>\(expression)</code>\(HTML(raw: view.timezone == nil ? "" : " ("))\(view.timezone ?? "")\(HTML(raw: view.timezone == nil ? "" : ")"))</dd>
                <dt>Reads as</dt><dd>\(view.description ?? "—")</dd>
                <dt>Status</dt><dd>\(view.paused ? "paused" : "active") <span class="hint">(from the \(view.origin == "api" ? "console or API" : "configuration file"))</span></dd>
                <dt>Next runs</dt><dd>\(view.paused ? "none while paused" : "")<ol class="next-runs">\(runs)</ol></dd>
                <dt>\(maxLabel)</dt><dd>\(view.max.map { String($0) } ?? "—")</dd>
                <dt>Environment</dt><dd>\(view.environment ?? "none")</dd>
                <dt>Repositories</dt><dd>\(view.repositories.joined(separator: ", "))</dd>
                </dl>
                <form class="inline" method="post" action="\(action)">\(csrf)
                <input type="hidden" name="action" value="\(view.paused ? "resume" : "pause")">
                <button type="submit" class="secondary"\(disabled)>\(view.paused ? "Resume" : "Pause")</button></form>
                <form class="inline" method="post" action="\(action)">\(csrf)<input type="hidden" name="action" value="delete">
                <button type="submit" class="danger"\(disabled)>Delete schedule</button></form>
                """
        } else {
            current = "<p id=\"\(kind.rawValue)-schedule\">No schedule: nothing runs automatically.</p>"
        }
        let repositories: [Markup] = daemon.configuration.repositories.map { rc in
            let checked = HTML(
                raw: (view.repositories.isEmpty
                    ? rc.name == daemon.configuration.repositories.first?.name : view.repositories.contains(rc.name)) ? " checked" : "")
            return """
                <label class="check"><input type="checkbox" name="repositories" value="\(rc.name)"\(checked)\(disabled)> \(rc.name)</label>
                """
        }
        let presets: [Markup] = EnvironmentPreset.allCases.map { p in
            let selected = HTML(raw: view.environment == p.rawValue ? " selected" : "")
            return "<option value=\"\(p.rawValue)\"\(selected)>\(p.rawValue)</option>"
        }
        let presetRows: [Markup] = EnvironmentPreset.allCases.map { p in
            let cron = kind == .identity ? p.defaultIdentityCron : p.defaultBackupCron
            let max = kind == .identity ? p.defaultIdentityMax : p.defaultBackupMax
            return
                "<tr><th scope=\"row\">\(p.rawValue)</th><td><code>\(cron.description)</code></td><td>\(cron.humanDescription)</td><td>\(max)</td></tr>"
        }
        let viewerNote: Markup = session.canAct ? "" : "<p class=\"hint\">Your role (viewer) can look but not change schedules.</p>"
        return """
            <h2 id="\(kind.rawValue)-schedule-heading">Schedule</h2>
            \(current)
            <details\(HTML(raw: hasPlan ? "" : " open"))><summary>\(hasPlan ? "Replace the schedule" : "Create a schedule")</summary>
            \(viewerNote)
            <form method="post" action="\(action)" id="\(kind.rawValue)-schedule-form">\(csrf)<input type="hidden" name="action" value="save">
            <label for="\(kind.rawValue)-cron">Cron expression or interval</label>
            <input id="\(kind.rawValue)-cron" name="cron" type="text" value="\(view.cron ?? view.interval ?? "")" placeholder="0 */6 * * *" aria-describedby="\(kind.rawValue)-cron-hint"\(disabled)>
            <p class="hint" id="\(kind.rawValue)-cron-hint">Five cron fields (minute hour day month weekday), e.g. <code>0 */6 * * *</code>, or an interval such as <code>6h</code>. Leave empty to take the environment preset's.</p>
            <label for="\(kind.rawValue)-timezone">Time zone</label>
            <input id="\(kind.rawValue)-timezone" name="timezone" type="text" value="\(view.timezone ?? "UTC")"\(disabled)>
            <label for="\(kind.rawValue)-max">\(maxLabel)</label>
            <input id="\(kind.rawValue)-max" name="max" type="number" min="1" value="\(view.max.map { String($0) } ?? "")"\(disabled)>
            <label for="\(kind.rawValue)-environment">Environment preset</label>
            <select id="\(kind.rawValue)-environment" name="environment"\(disabled)><option value="">none</option>\(presets)</select>
            <fieldset><legend>Repositories</legend>\(repositories)</fieldset>
            <button type="submit"\(disabled)>Confirm</button></form>
            <div class="scroll"><table><caption class="hint">Environment presets fill a missing cron expression and \(maxLabel)</caption>
            <thead><tr><th scope="col">Preset</th><th scope="col">Cron</th><th scope="col">Reads as</th><th scope="col">\(maxLabel)</th></tr></thead>
            <tbody>\(presetRows)</tbody></table></div></details>
            """
    }

    /// `POST /nodes/{node}/schedules/{kind}`: save (create or replace), pause, resume or delete.
    func changeSchedule(_ session: ConsoleSession, _ form: FormBody, context: APIContext) async throws -> Response {
        let (node, kind) = try api.scheduleKey(context)
        let page = "/nodes/\(Self.segment(node))/\(kind == .identity ? "identity" : "backups")"
        switch form["action"] ?? "" {
        case "pause", "resume":
            _ = try await daemon.scheduler.setPaused(form["action"] == "pause", node: node, kind: kind)
        case "delete":
            try await daemon.scheduler.deletePlan(node: node, kind: kind)
        case "save":
            var body: [String: Any] = ["repositories": form.all("repositories")]
            let expression = (form["cron"] ?? "").trimmingCharacters(in: .whitespaces)
            if !expression.isEmpty {
                let isInterval = !expression.contains(" ") && expression.last.map { "smhd".contains($0) } == true
                body[isInterval ? "interval" : "cron"] = expression
            }
            if let zone = form["timezone"]?.trimmingCharacters(in: .whitespaces), !zone.isEmpty, body["cron"] != nil || expression.isEmpty {
                body["timezone"] = zone
            }
            if let text = form["max"], !text.isEmpty {
                guard let max = Int(text) else {
                    throw ConsoleFailure(status: .unprocessableContent, message: "max: \"\(text)\" is not a number")
                }
                body["max"] = max
            }
            if let environment = form["environment"], !environment.isEmpty { body["environment"] = environment }
            if expression.isEmpty && body["environment"] == nil { body.removeValue(forKey: "timezone") }
            let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            let plan = try api.parsePlan(String(decoding: data, as: UTF8.self), kind: kind)
            _ = try await daemon.scheduler.setPlan(plan, node: node, kind: kind)
        default:
            throw ConsoleFailure(status: .unprocessableContent, message: "unknown schedule action \"\(form["action"] ?? "")\"")
        }
        return Self.redirect(page + "#\(kind.rawValue)-schedule-heading")
    }
}
