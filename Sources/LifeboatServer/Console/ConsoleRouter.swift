import Foundation
import Hummingbird
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs

/// The web console at `/`: server-rendered pages over the same daemon the API serves.
public enum ConsoleRouter {
    /// The JSON routes ``register(on:daemon:)`` adds, for ``APIRouter/routes`` and the OpenAPI document.
    public static let routes = ["GET /api/v1/size", "GET /api/v1/doctor"]

    /// Adds the console's pages, forms, assets and session routes to the API's router, and
    /// the JSON routes the console shares with the CLI: `GET /api/v1/size` and `GET /api/v1/doctor`.
    public static func register(on router: Router<APIContext>, daemon: Daemon) {
        let console = Console(daemon: daemon, api: API(daemon: daemon), sessions: ConsoleSessions())
        router.get("/api/v1/size") { request, context in
            try context.require(.viewer)
            return try console.api.json(try await Sizing.report(daemon, node: request.uri.queryParameters.get("node").map { String($0) }))
        }
        router.get("/api/v1/doctor") { request, context in
            try context.require(.viewer)
            return try console.api.json(try await Doctor.run(daemon, node: request.uri.queryParameters.get("node").map { String($0) }))
        }
        router.get("/console/console.css") { _, _ in console.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        router.get("/console/console.js") { _, _ in console.asset(ConsoleAssets.js, type: "text/javascript; charset=utf-8") }
        router.get("/signin") { request, _ in console.signInPage(request) }
        router.post("/signin") { request, _ in await console.signIn(request) }
        router.post("/signout") { request, _ in await console.signOut(request) }
        router.get("/") { request, _ in await console.page(request) { try await console.nodesPage($0) } }
        router.get("/storage") { request, _ in await console.page(request) { try await console.storagePage($0) } }
        router.get("/troubleshooting") { request, _ in await console.page(request) { try await console.troubleshootingPage($0) } }
        router.get("/nodes/{node}") { _, context in
            Console.redirect("/nodes/\(Console.segment(context.parameters.get("node") ?? ""))/backups")
        }
        router.get("/nodes/{node}/backups") { request, context in
            await console.page(request) { try await console.backupsPage($0, node: try console.node(context), request: request) }
        }
        router.get("/nodes/{node}/identity") { request, context in
            await console.page(request) { try await console.identityPage($0, node: try console.node(context)) }
        }
        router.get("/nodes/{node}/restore") { request, context in
            await console.page(request) { try await console.restorePage($0, node: try console.node(context), request: request) }
        }
        router.get("/nodes/{node}/backups/{snapshot}") { request, context in
            await console.page(request) { try await console.backupPage($0, node: try console.node(context), context: context) }
        }
        router.get("/nodes/{node}/node-restore") { request, context in
            await console.page(request) { try await console.nodeRestorePage($0, node: try console.node(context), request: request) }
        }
        router.post("/nodes/{node}/node-restores") { request, context in
            await console.action(request, role: .admin) { session, form in
                try await console.startNodeRestore(session, form, node: try console.node(context))
            }
        }
        router.get("/jobs/{id}") { request, context in
            await console.page(request) { try await console.jobPage($0, context: context) }
        }
        router.get("/console/jobs/{id}") { request, context in await console.jobStatus(request, context: context) }
        router.get("/nodes/{node}/identity/{dump}/download") { request, context in
            await console.downloadDump(request, context: context)
        }
        router.post("/nodes/{node}/schedules/{kind}") { request, context in
            await console.action(request) { session, form in try await console.changeSchedule(session, form, context: context) }
        }
        router.post("/nodes/{node}/run") { request, context in
            await console.action(request) { session, form in try await console.runNow(session, form, node: try console.node(context)) }
        }
        router.post("/nodes/{node}/restore") { request, context in
            await console.action(request) { session, form in try await console.restore(session, form, node: try console.node(context)) }
        }
    }
}

/// A console error page: the status and one message for the operator.
struct ConsoleFailure: Error {
    var status: HTTPResponse.Status
    var message: String
}

/// The console's shared work: sessions, layout, responses.
struct Console: Sendable {
    let daemon: Daemon
    let api: API
    let sessions: ConsoleSessions

    // MARK: Responses

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[values: .setCookie].append(contentsOf: cookies)
        return Response(status: .seeOther, headers: headers)
    }

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An HTML page with the security headers every page carries.
    static func html(_ markup: Markup, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        // Only the console's own script and style, no framing, no sniffing.
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[values: .setCookie].append(contentsOf: cookies)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: markup.html.markup)))
    }

    /// The page frame: skip link, navigation, who is signed in, sign-out.
    static func layout(title: String, session: ConsoleSession?, current: String, body: Markup) -> Markup {
        func link(_ href: String, _ label: String) -> Markup {
            current == href ? "<a href=\"\(href)\" aria-current=\"page\">\(label)</a>" : "<a href=\"\(href)\">\(label)</a>"
        }
        var who: Markup = ""
        if let session {
            who = """
                <div class="who"><span>\(session.tokenName) (\(session.role.rawValue))</span>
                <form class="inline" method="post" action="/signout"><input type="hidden" name="csrf" value="\(session.csrf)">
                <button type="submit" class="secondary">Sign out</button></form></div>
                """
        }
        let nav: Markup =
            session == nil
            ? ""
            : "<nav aria-label=\"Main\">\(link("/", "Nodes")) \(link("/storage", "Storage")) \(link("/troubleshooting", "Troubleshooting"))</nav>"
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Lifeboat</title><link rel="stylesheet" href="/console/console.css"></head>
            <body><a class="skip" href="#main">Skip to content</a>
            <header><strong>Lifeboat</strong> \(nav) \(who)</header>
            <main id="main">\(body)</main>
            <script src="/console/console.js"></script></body></html>
            """
    }

    // MARK: Sessions

    func currentSession(_ request: Request) async -> ConsoleSession? {
        guard let id = ConsoleSessions.cookieValue(ConsoleSessions.cookie, in: request) else { return nil }
        return await sessions.session(id, now: Date())
    }

    /// A page for a signed-in user; others are sent to sign in. Errors become an error page.
    func page(_ request: Request, _ body: (ConsoleSession) async throws -> (String, String, Markup)) async -> Response {
        guard let session = await currentSession(request) else { return Self.redirect("/signin") }
        do {
            let (title, current, markup) = try await body(session)
            return Self.html(Self.layout(title: title, session: session, current: current, body: markup))
        } catch {
            return errorPage(error, session: session)
        }
    }

    func errorPage(_ error: any Error, session: ConsoleSession?) -> Response {
        let (status, message) = Self.describe(error)
        let body: Markup =
            "<h1>\(status.reasonPhrase)</h1><p class=\"alert\" role=\"alert\">\(message)</p><p><a href=\"/\">Back to the nodes</a></p>"
        return Self.html(Self.layout(title: status.reasonPhrase, session: session, current: "", body: body), status: status)
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let failure as ConsoleFailure: (failure.status, failure.message)
        case let problem as Problem: (problem.status, problem.detail)
        case let error as LifeboatError: (Problem.from(error).status, error.message)
        default: (.internalServerError, "internal error")
        }
    }

    /// A form post: needs a session, the session's CSRF token and the `role` (operator unless given).
    func action(
        _ request: Request, role: APIToken.Role = .operator, _ body: (ConsoleSession, FormBody) async throws -> Response
    ) async -> Response {
        guard let session = await currentSession(request) else { return Self.redirect("/signin") }
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 64 * 1024) else {
            return errorPage(ConsoleFailure(status: .contentTooLarge, message: "the form is too large"), session: session)
        }
        let form = FormBody(String(buffer: buffer))
        guard let csrf = form["csrf"], ConsoleSessions.same(csrf, session.csrf) else {
            return errorPage(
                ConsoleFailure(status: .forbidden, message: "the form's security token is missing or stale; reload the page and try again"),
                session: session)
        }
        guard session.role.rank >= role.rank else {
            return errorPage(
                ConsoleFailure(
                    status: .forbidden,
                    message: "token \(session.tokenName) has role \(session.role.rawValue); this needs \(role.rawValue) or higher"),
                session: session)
        }
        do {
            return try await body(session, form)
        } catch {
            return errorPage(error, session: session)
        }
    }

    func node(_ context: APIContext) throws -> NodeConfiguration {
        let name = context.parameters.get("node") ?? ""
        guard let node = daemon.configuration.node(named: name) else {
            throw ConsoleFailure(status: .notFound, message: "no node named \"\(name)\"")
        }
        return node
    }

    // MARK: Sign-in

    func signInPage(_ request: Request, error: String? = nil) -> Response {
        let token = ConsoleSessions.randomToken()
        let alert: Markup = error.map { "<p class=\"alert\" role=\"alert\">\($0)</p>" } ?? ""
        let body: Markup = """
            <h1>Sign in</h1>\(alert)
            <form method="post" action="/signin"><input type="hidden" name="csrf" value="\(token)">
            <label for="token">API token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
            <p class="hint">A token from the daemon's configuration (api.tokens). Viewers can look; operators can also act.</p>
            <button type="submit">Sign in</button></form>
            """
        return Self.html(
            Self.layout(title: "Sign in", session: nil, current: "", body: body), status: error == nil ? .ok : .unauthorized,
            cookies: [ConsoleSessions.setCookie(ConsoleSessions.signInCookie, token, maxAge: 900)])
    }

    func signIn(_ request: Request) async -> Response {
        var request = request
        let buffer = (try? await request.collectBody(upTo: 16 * 1024)) ?? ByteBuffer()
        let form = FormBody(String(buffer: buffer))
        guard let expected = ConsoleSessions.cookieValue(ConsoleSessions.signInCookie, in: request), let csrf = form["csrf"],
            ConsoleSessions.same(csrf, expected)
        else {
            return signInPage(request, error: "The sign-in form expired; please try again.")
        }
        guard let presented = form["token"], let token = BearerAuthMiddleware.match(presented, daemon.configuration.api.tokens) else {
            return signInPage(request, error: "That token is not valid.")
        }
        let session = await sessions.create(for: token, now: Date())
        return Self.redirect(
            "/",
            cookies: [
                ConsoleSessions.setCookie(ConsoleSessions.cookie, session.id, maxAge: Int(ConsoleSessions.lifetime)),
                ConsoleSessions.setCookie(ConsoleSessions.signInCookie, "", maxAge: 0),
            ])
    }

    func signOut(_ request: Request) async -> Response {
        if let session = await currentSession(request) {
            var request = request
            let form = FormBody(String(buffer: (try? await request.collectBody(upTo: 16 * 1024)) ?? ByteBuffer()))
            guard let csrf = form["csrf"], ConsoleSessions.same(csrf, session.csrf) else {
                return errorPage(
                    ConsoleFailure(status: .forbidden, message: "the form's security token is missing or stale"), session: session)
            }
            await sessions.remove(session.id)
        }
        return Self.redirect("/signin", cookies: [ConsoleSessions.setCookie(ConsoleSessions.cookie, "", maxAge: 0)])
    }

    /// `GET /console/jobs/{id}`: a job's status as the API's JSON, for the live indicator.
    func jobStatus(_ request: Request, context: APIContext) async -> Response {
        guard await currentSession(request) != nil else {
            return (try? Problem(.unauthorized, "sign in first").response(from: request, context: context))
                ?? Response(status: .unauthorized)
        }
        do {
            let job = try await api.job(context)
            return try api.json(JobView(job, steps: try await daemon.catalog.steps(job.id)))
        } catch let problem as Problem {
            return (try? problem.response(from: request, context: context)) ?? Response(status: problem.status)
        } catch {
            return Response(status: .internalServerError)
        }
    }

    /// `GET /nodes/{node}/identity/{dump}/download`: the encrypted `.age` file of a dump, for a
    /// signed-in operator (the same bytes as the API's export).
    func downloadDump(_ request: Request, context: APIContext) async -> Response {
        guard let session = await currentSession(request) else { return Self.redirect("/signin") }
        do {
            guard session.canAct else {
                throw ConsoleFailure(status: .forbidden, message: "a viewer cannot download identity dumps")
            }
            let node = try node(context)
            let dump = context.parameters.get("dump") ?? ""
            let repo = try await IdentityRoutes.repository(nil, node: node.name, daemon)
            let summary = try await IdentityDumps.find(dump, repository: repo, node: node.name)
            let data = try await IdentityDumps.export(summary.name, repository: repo, node: node.name)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/octet-stream",
                    .contentDisposition: "attachment; filename=\"\(summary.name).age\"",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return errorPage(error, session: session)
        }
    }
}
