import AsyncHTTPClient
import Foundation
import LifeboatCatalog
import LifeboatCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

@testable import LifeboatJobs
@testable import LifeboatServer

/// A browser-like client of the console: keeps cookies, does not follow redirects, posts forms.
final class ConsoleBrowser: @unchecked Sendable {
    let base: String
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    var cookies: [String: String] = [:]

    init(port: Int) { base = "http://127.0.0.1:\(port)" }

    struct Page {
        var status: Int
        var text: String
        var location: String?
        var setCookies: [String]
    }

    func request(_ method: HTTPMethod, _ path: String, form: [(String, String)]? = nil) async throws -> Page {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let form {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 8 << 20))
        let setCookies = response.headers["Set-Cookie"]
        for header in setCookies {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return Page(
            status: Int(response.status.code), text: text, location: response.headers.first(name: "Location"), setCookies: setCookies)
    }

    /// The value of the first `name="csrf"` hidden field on a page.
    static func csrf(_ html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    func signIn(_ token: String) async throws -> Page {
        let form = try await request(.GET, "/signin")
        return try await request(.POST, "/signin", form: [("csrf", Self.csrf(form.text) ?? ""), ("token", token)])
    }

    func close() async { try? await client.shutdown() }

    /// Decodes the API's JSON (ISO 8601 dates).
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(text)"))
            }
            return date
        }
        return d
    }()
}

@Suite(.serialized) struct ConsoleTests {
    @Test func markupEscapesInterpolatedText() {
        let name = "<script>alert('x')</script>&\""
        let markup: Markup = "<td title=\"\(name)\">\(name)</td>"
        #expect(
            markup.html.markup
                == "<td title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;</td>"
        )
        #expect(FormBody("a=1+2&b=%3Cx%3E&b=y&c=")["a"] == "1 2")
        #expect(FormBody("a=1+2&b=%3Cx%3E&b=y&c=").all("b") == ["<x>", "y"])
    }

    @Test func signInSetsAStrictHttpOnlySessionAndSignOutEndsIt() async throws {
        let h = try await DaemonHarness()
        let browser = ConsoleBrowser(port: h.port)
        defer {
            Task {
                await browser.close(); await h.stop()
            }
        }
        let anonymous = try await browser.request(.GET, "/")
        #expect(anonymous.status == 303 && anonymous.location == "/signin")
        let wrong = try await browser.signIn("not-a-token")
        #expect(wrong.status == 401 && wrong.text.contains("not valid"))
        #expect(browser.cookies[ConsoleSessions.cookie] == nil)
        // A sign-in form post without the form's own token is refused.
        browser.cookies = [:]
        let forged = try await browser.request(.POST, "/signin", form: [("csrf", "x"), ("token", DaemonHarness.operatorToken)])
        #expect(forged.status == 401 && browser.cookies[ConsoleSessions.cookie] == nil)
        let ok = try await browser.signIn(DaemonHarness.operatorToken)
        #expect(ok.status == 303 && ok.location == "/")
        let session = try #require(ok.setCookies.first { $0.hasPrefix(ConsoleSessions.cookie + "=") })
        #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict"))
        #expect(!session.contains(DaemonHarness.operatorToken))
        let nodes = try await browser.request(.GET, "/")
        #expect(nodes.status == 200 && nodes.text.contains("<h1>Nodes</h1>") && nodes.text.contains("n1"))
        #expect(!nodes.text.contains(DaemonHarness.operatorToken))
        let css = try await browser.request(.GET, "/console/console.css")
        #expect(css.status == 200 && css.text.contains("progress"))
        let signOut = try await browser.request(.POST, "/signout", form: [("csrf", ConsoleBrowser.csrf(nodes.text) ?? "")])
        #expect(signOut.status == 303 && signOut.location == "/signin")
        browser.cookies[ConsoleSessions.cookie] = String(session.split(separator: ";")[0].dropFirst(ConsoleSessions.cookie.count + 1))
        #expect(try await browser.request(.GET, "/").status == 303, "the old session id no longer works")
    }

    @Test func formsNeedTheSessionsCSRFTokenAndTheOperatorRole() async throws {
        let h = try await DaemonHarness()
        let browser = ConsoleBrowser(port: h.port)
        let viewer = ConsoleBrowser(port: h.port)
        defer {
            Task {
                await browser.close(); await viewer.close(); await h.stop()
            }
        }
        _ = try await browser.signIn(DaemonHarness.operatorToken)
        let page = try await browser.request(.GET, "/nodes/n1/backups")
        let csrf = try #require(ConsoleBrowser.csrf(page.text))
        // One character changed (a fixed replacement would equal the token 1 time in 16).
        let forgedToken = (csrf.first == "0" ? "1" : "0") + csrf.dropFirst()
        let forged = try await browser.request(.POST, "/nodes/n1/run", form: [("csrf", forgedToken), ("kind", "backup")])
        #expect(forged.status == 403)
        #expect(try await h.daemon.catalog.jobs(node: "n1", kind: .backup).isEmpty)
        let run = try await browser.request(.POST, "/nodes/n1/run", form: [("csrf", csrf), ("kind", "backup")])
        #expect(run.status == 303)
        let job = try #require(try await h.daemon.catalog.jobs(node: "n1", kind: .backup).first)
        #expect(job.trigger == .api)
        _ = try await h.waitForJob(job.id.rawValue)
        // The schedule form reaches the same scheduler as the API.
        let save = try await browser.request(
            .POST, "/nodes/n1/schedules/backup",
            form: [
                ("csrf", csrf), ("action", "save"), ("cron", "0 */6 * * *"), ("max", "4"), ("timezone", "UTC"), ("repositories", "primary"),
            ])
        #expect(save.status == 303)
        let schedule = try await h.daemon.scheduler.schedule(node: "n1", kind: .backup)
        #expect(schedule.plan?.max == 4 && schedule.origin == "api")
        let shown = try await browser.request(.GET, "/nodes/n1/backups")
        #expect(shown.text.contains("every 6 hours"))
        #expect(shown.text.components(separatedBy: "<li><time").count - 1 == 3, "three next runs")
        let bad = try await browser.request(
            .POST, "/nodes/n1/schedules/backup",
            form: [("csrf", csrf), ("action", "save"), ("cron", "0 */6 * *"), ("max", "3"), ("repositories", "primary")])
        #expect(bad.status == 422 && bad.text.contains("cron needs 5"), "\(bad.text)")

        // A viewer sees the pages, with disabled controls, and the server refuses its posts.
        _ = try await viewer.signIn(DaemonHarness.viewerToken)
        let viewerPage = try await viewer.request(.GET, "/nodes/n1/backups")
        #expect(viewerPage.status == 200)
        #expect(viewerPage.text.contains("<button type=\"button\" disabled title=\"Restoring needs the operator role\">Restore</button>"))
        #expect(!viewerPage.text.contains("/restore?snapshot="))
        let viewerCSRF = try #require(ConsoleBrowser.csrf(viewerPage.text))
        let refused = try await viewer.request(.POST, "/nodes/n1/run", form: [("csrf", viewerCSRF), ("kind", "backup")])
        #expect(refused.status == 403 && refused.text.contains("viewer"))
        let confirm = try await viewer.request(.GET, "/nodes/n1/restore?snapshot=\(job.snapshot ?? "")")
        #expect(confirm.status == 403)
        #expect(try await h.daemon.catalog.jobs(node: "n1", kind: .backup).count == 1)
        // The live indicator's JSON needs a session.
        #expect(try await viewer.request(.GET, "/console/jobs/\(job.id)").text.contains("\"state\":\"Completed\""))
        viewer.cookies = [:]
        #expect(try await viewer.request(.GET, "/console/jobs/\(job.id)").status == 401)
    }

    @Test func sizeAndDoctorThroughTheAPI() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let run = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        let id = try #require((run.json as? [String: Any])?["id"] as? Int64)
        #expect(try await h.waitForJob(id)["state"] as? String == "Completed")
        let size = try await h.call(.GET, "/api/v1/size?node=n1", token: DaemonHarness.viewerToken)
        #expect(size.status == 200)
        let report = try ConsoleBrowser.decoder.decode(SizeReport.self, from: size.body)
        let node = try #require(report.nodes.first)
        #expect(node.node == "n1" && node.maxBackups == 3 && node.backups == 1)
        #expect(node.databaseBytes > 20_000 && node.naiveBytes == 3 * node.databaseBytes)
        #expect(node.measuredBytes > 0 && node.measuredBytes < node.naiveBytes)
        let repo = try #require(report.repositories.first)
        #expect(repo.name == "primary" && repo.reachable && repo.snapshots == 1 && repo.storedBytes > 0)
        #expect((repo.freeBytes ?? 0) > 0 && repo.warning == nil)
        #expect(try await h.call(.GET, "/api/v1/size?node=nope", token: DaemonHarness.viewerToken).status == 404)
        #expect(try await h.call(.GET, "/api/v1/doctor", token: nil).status == 401)

        let healthy = try ConsoleBrowser.decoder.decode(
            DoctorReport.self, from: try await h.call(.GET, "/api/v1/doctor?node=n1", token: DaemonHarness.viewerToken).body)
        #expect(healthy.nodes == ["n1"])
        #expect(!healthy.findings.contains { $0.severity == .error }, "\(healthy.findings)")
        // A backup that fails (its store is gone) is reported with a remedy.
        try FileManager.default.removeItem(atPath: h.datadir + "/data.db")
        let failing = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        let failingID = try #require((failing.json as? [String: Any])?["id"] as? Int64)
        #expect(try await h.waitForJob(failingID)["state"] as? String != "Completed")
        let sick = try ConsoleBrowser.decoder.decode(
            DoctorReport.self, from: try await h.call(.GET, "/api/v1/doctor", token: DaemonHarness.viewerToken).body)
        let finding = try #require(sick.findings.first { $0.check == "backup-failing" }, "\(sick.findings)")
        #expect(finding.severity == .error && finding.node == "n1" && finding.remedy.contains("lifeboat run n1"))
    }

    @Test func pairingWarnsWhenABackupHasNoDumpWithinItsPeriod() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let day: TimeInterval = 86_400
        let late = Doctor.pairing(
            node: "v1", lastSuccess: [.backup: now, .identity: now.addingTimeInterval(-3 * day)],
            periods: [.backup: 6 * 3600, .identity: day])
        #expect(late.count == 1 && late[0].check == "pairing" && late[0].message.contains("no identity dump"))
        let fine = Doctor.pairing(
            node: "v1", lastSuccess: [.backup: now, .identity: now.addingTimeInterval(-3600)], periods: [.backup: 6 * 3600, .identity: day])
        #expect(fine.isEmpty)
        let reverse = Doctor.pairing(
            node: "v1", lastSuccess: [.backup: now.addingTimeInterval(-2 * day), .identity: now],
            periods: [.backup: 6 * 3600, .identity: day])
        #expect(reverse.count == 1 && reverse[0].message.contains("no state backup"))
    }
}
