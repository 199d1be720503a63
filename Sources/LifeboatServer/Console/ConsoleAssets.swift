/// The console's style sheet and script, served from the binary (no CDN: it works offline).
enum ConsoleAssets {
    /// `/console/console.css`: high-contrast colours, visible focus, tables that scroll on a phone.
    static let css = """
        :root { --fg: #1a1a1a; --bg: #ffffff; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b4f9c;
          --bad: #a4000f; --bad-bg: #fde8ea; --ok: #0b6b2b; --ok-bg: #e3f4e8; --busy: #6b4a00; --busy-bg: #fff2cc; }
        * { box-sizing: border-box; }
        body { margin: 0; overflow-wrap: break-word; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, summary:focus { outline: 3px solid #ffb000; outline-offset: 2px; }
        .skip { position: absolute; left: -9999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px; }
        header { background: #0d2340; color: #fff; padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
        header a { color: #fff; font-weight: 600; text-decoration: none; padding: 6px 4px; }
        header a[aria-current="page"] { border-bottom: 3px solid #ffb000; }
        header .who { margin-left: auto; display: flex; gap: 8px; align-items: center; }
        main { padding: 16px; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 1.6rem; margin: 0.4em 0; } h2 { font-size: 1.25rem; margin-top: 1.6em; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #f0f3f7; }
        .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 0.9em; font-weight: 600; border: 1px solid currentColor; }
        .ok { color: var(--ok); background: var(--ok-bg); } .bad { color: var(--bad); background: var(--bad-bg); }
        .busy { color: var(--busy); background: var(--busy-bg); }
        .alert { border-left: 6px solid var(--bad); background: var(--bad-bg); color: var(--bad); padding: 8px 12px; margin: 8px 0; }
        .note { border-left: 6px solid var(--accent); background: #e8f0fb; padding: 8px 12px; margin: 8px 0; }
        tr.bad td { background: var(--bad-bg); }
        form.inline { display: inline; }
        fieldset { border: 1px solid var(--line); margin: 8px 0; padding: 8px 12px; }
        label { display: block; font-weight: 600; margin-top: 8px; }
        input[type=text], input[type=number], input[type=password], select { font: inherit; padding: 6px; width: 100%; max-width: 28em; border: 1px solid #767676; }
        button { font: inherit; padding: 6px 14px; margin: 4px 4px 4px 0; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; border-radius: 4px; }
        button.secondary { background: #fff; color: var(--accent); } button.danger { background: var(--bad); border-color: var(--bad); }
        button:disabled { background: #d0d0d0; color: #4a4a4a; border-color: #9a9a9a; cursor: not-allowed; }
        .hint { color: var(--muted); font-size: 0.9em; }
        progress { width: 100%; max-width: 28em; height: 1.2em; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
        .card h2 { margin-top: 0; }
        .card.bad { border-color: var(--bad); border-width: 2px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; } dt { font-weight: 600; } dd { margin: 0; }
        @media (max-width: 600px) { main { padding: 8px; } header .who { margin-left: 0; } th, td { padding: 4px; font-size: 0.95em; } }
        """

    /// `/console/console.js`: polls job status for live indicators and runbook steps; everything works without it.
    static let js = """
        (function () {
          "use strict";
          var finished = ["Completed", "Failed", "PartiallyFailed", "Cancelled"];
          var tones = { done: "ok", failed: "bad", running: "busy", warning: "busy" };
          function text(el, sel, value) { var t = el.querySelector(sel); if (t) { t.textContent = value; } }
          function when(iso) { return iso ? iso.replace("T", " ").replace(/\\.\\d+/, "").replace("Z", " UTC") : "—"; }
          function clock(iso) { return iso ? iso.slice(11, 19) + " UTC" : "—"; }
          function cell(row, tag, className) {
            var c = document.createElement(tag);
            if (className) { c.className = className; }
            row.appendChild(c);
            return c;
          }
          // A step the page did not list yet (it loaded before the job started): a row like the server's.
          function stepRow(body, step, i) {
            var placeholder = body.querySelector("tr.js-no-steps");
            if (placeholder) { placeholder.remove(); }
            var row = document.createElement("tr");
            row.setAttribute("data-step", String(i));
            row.setAttribute("data-step-id", step.id);
            cell(row, "td").textContent = String(i + 1);
            var name = cell(row, "th");
            name.setAttribute("scope", "row");
            name.appendChild(document.createElement("code")).textContent = step.id;
            cell(row, "td").textContent = step.description;
            cell(row, "td").appendChild(document.createElement("span")).className = "badge js-step-status";
            cell(row, "td", "js-step-message");
            cell(row, "td", "js-step-started");
            cell(row, "td", "js-step-ended");
            body.appendChild(row);
            return row;
          }
          function poll(el) {
            var id = el.getAttribute("data-job");
            fetch("/console/jobs/" + encodeURIComponent(id), { credentials: "same-origin", headers: { "Accept": "application/json" } })
              .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
              .then(function (job) {
                text(el, ".js-started", when(job.startedAt));
                text(el, ".js-phase", job.phase || "waiting");
                var state = el.querySelector(".js-state");
                if (state) {
                  state.textContent = job.state;
                  state.className = "badge js-state " + (job.state === "Completed" ? "ok" : (finished.indexOf(job.state) >= 0 ? "bad" : "busy"));
                }
                var bar = el.querySelector("progress");
                var pct = job.state === "Completed" ? 100 : (typeof job.percent === "number" ? job.percent : null);
                if (bar) { if (pct === null) { bar.removeAttribute("value"); } else { bar.value = pct; } }
                text(el, ".js-percent", pct === null ? "" : Math.round(pct) + " %");
                text(el, ".js-error", job.error && job.state !== "Completed" ? "Reason: " + job.error : "");
                var body = el.querySelector("#steps tbody");
                (job.steps || []).forEach(function (step, i) {
                  var row = el.querySelector('tr[data-step="' + i + '"]');
                  if (!row && body) { row = stepRow(body, step, i); }
                  if (!row) { return; }
                  row.setAttribute("data-status", step.status);
                  var badge = row.querySelector(".js-step-status");
                  if (badge) {
                    badge.textContent = step.status;
                    badge.className = "badge js-step-status " + (tones[step.status] || "");
                  }
                  text(row, ".js-step-message", step.message || "");
                  text(row, ".js-step-started", clock(step.startedAt));
                  text(row, ".js-step-ended", clock(step.endedAt));
                });
                el.setAttribute("data-state", job.state);
                if (finished.indexOf(job.state) < 0) { setTimeout(function () { poll(el); }, 700); }
              })
              .catch(function () { setTimeout(function () { poll(el); }, 2000); });
          }
          document.querySelectorAll("[data-job]").forEach(function (el) {
            if (finished.indexOf(el.getAttribute("data-state")) < 0) { poll(el); }
          });
        })();
        """
}
