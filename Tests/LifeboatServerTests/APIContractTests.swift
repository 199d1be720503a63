import Foundation
import LifeboatCore
import LifeboatJobs
import LifeboatServer
import LifeboatTestSupport
import NIOHTTP1
import Testing

/// What the API fuzz campaign (bench/campaign/api-fuzz.py) holds the daemon to, one rule a
/// test: public routes ignore credentials, every 4xx names its field, undeclared methods are
/// 405, path parameters are percent-decoded, the OpenAPI document lists every status.
@Suite(.serialized) struct APIContractTests {
    static func problem(_ answer: DaemonHarness.Answer) -> [String: Any] {
        (answer.json as? [String: Any]) ?? [:]
    }

    /// Health, readiness, metrics and the document answer 200 whatever the Authorization
    /// header says; a route that needs a role still refuses a bad one with 401.
    @Test func publicRoutesIgnoreCredentials() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        for path in ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"] {
            for header in ["Bearer not-a-configured-token", "Basic dXNlcjpwYXNz", "garbage", "Bearer "] {
                let answer = try await h.call(.GET, path, authorization: header)
                #expect(answer.status == 200, "\(path) with \(header): \(answer.status) \(answer.text)")
            }
        }
        for header in ["Bearer not-a-configured-token", "garbage"] {
            let refused = try await h.call(.GET, "/api/v1/nodes", authorization: header)
            #expect(refused.status == 401)
            #expect(refused.contentType == "application/problem+json")
            #expect(refused.headers.first(name: "WWW-Authenticate") == "Bearer realm=\"lifeboat\"")
            #expect(!refused.text.contains("not-a-configured-token"), "the token is echoed: \(refused.text)")
        }
    }

    /// A body that is JSON but not an object is refused naming the request body and what it is.
    @Test(arguments: [("[]", "an array"), ("[null, null]", "an array"), ("3", "a number"), (#""x""#, "a string"), ("true", "a boolean")])
    func nonObjectBodiesNameTheBody(body: String, kind: String) async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let routes: [(HTTPMethod, String)] = [
            (.POST, "/api/v1/nodes/n1/restores"), (.POST, "/api/v1/nodes/n1/node-restores"),
            (.PUT, "/api/v1/nodes/n1/schedules/backup"), (.POST, "/api/v1/nodes/n1/identity-dumps/latest/restore"),
            (.POST, "/api/v1/nodes/n1/identity-dumps/latest/restore-kit"),
        ]
        for (method, path) in routes {
            let answer = try await h.call(method, path, body: body)
            #expect(answer.status == 422, "\(path): \(answer.text)")
            #expect(answer.contentType == "application/problem+json")
            #expect(
                Self.problem(answer)["detail"] as? String == "request body: expected a JSON object, got \(kind)", "\(path): \(answer.text)")
        }
        #expect(try await h.daemon.catalog.countJobs() == 0)
    }

    /// `null` where the document says string (or integer, or boolean) is refused naming the
    /// property, nested ones by their path; a wrong type names the property and what it got.
    @Test func nullAndWrongTypesNameTheProperty() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let target = h.dir.appending("restore-target")
        let cases: [(HTTPMethod, String, String, String, String)] = [
            (.POST, "/api/v1/nodes/n1/restores", #"{"target": "\#(target)", "snapshot": null}"#, "snapshot", "null is not allowed"),
            (.POST, "/api/v1/nodes/n1/restores", #"{"target": null}"#, "target", "null is not allowed"),
            (.POST, "/api/v1/nodes/n1/restores", #"{"target": 5}"#, "target", "target: expected a string, got a number"),
            (.POST, "/api/v1/nodes/n1/restores", #"{"target": "\#(target)", "force": "yes"}"#, "force", "expected a boolean, got a string"),
            (.POST, "/api/v1/nodes/n1/node-restores", #"{"repository": null}"#, "repository", "null is not allowed"),
            (
                .PUT, "/api/v1/nodes/n1/schedules/backup", #"{"interval": "1h", "max": null, "repositories": ["primary"]}"#, "max",
                "null is not allowed"
            ),
            (.PUT, "/api/v1/nodes/n1/schedules/backup", #"{"interval": "1h", "repositories": [null]}"#, "repositories[0]", "null"),
            (
                .PUT, "/api/v1/nodes/n1/schedules/backup", #"{"interval": "1h", "keep": {"daily": null}, "repositories": ["primary"]}"#,
                "keep.daily", "null"
            ),
        ]
        for (method, path, body, field, detail) in cases {
            let answer = try await h.call(method, path, body: body)
            let problem = Self.problem(answer)
            #expect(answer.status == 422, "\(body): \(answer.text)")
            #expect(problem["field"] as? String == field, "\(body): \(answer.text)")
            #expect((problem["detail"] as? String)?.hasPrefix(field + ": ") == true, "\(body): \(answer.text)")
            #expect((problem["detail"] as? String)?.contains(detail) == true, "\(body): \(answer.text)")
        }
        #expect(try await h.daemon.catalog.countJobs() == 0)
        let schedule = try await h.call(.GET, "/api/v1/nodes/n1/schedules/backup", token: DaemonHarness.viewerToken)
        #expect((schedule.json as? [String: Any])?["interval"] as? String == "1h")
        #expect((schedule.json as? [String: Any])?["max"] as? Int == 3)
    }

    /// An identity file that cannot be read (missing, a directory) is a 422 naming
    /// `identityFile`, before any dump is opened.
    @Test func unreadableIdentityFileNamesTheField() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        for file in [h.dir.appending("missing.key"), h.dir.appending("node")] {
            let routes = [
                ("/api/v1/nodes/n1/identity-dumps/latest/restore", #"{"identityFile": "\#(file)"}"#),
                (
                    "/api/v1/nodes/n1/identity-dumps/latest/restore-kit",
                    #"{"identityFile": "\#(file)", "newParticipantId": "p2", "directory": "\#(h.dir.appending("kit"))"}"#
                ),
            ]
            for (path, body) in routes {
                let answer = try await h.call(.POST, path, body: body)
                #expect(answer.status == 422, "\(path): \(answer.text)")
                #expect(Self.problem(answer)["field"] as? String == "identityFile", "\(path): \(answer.text)")
                #expect((Self.problem(answer)["detail"] as? String)?.hasPrefix("identityFile: cannot read") == true, "\(answer.text)")
            }
        }
    }

    /// The restore plan's query parameters are checked up front, each refusal naming its parameter.
    @Test func restorePlanNamesItsParameters() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        for (query, field) in [
            ("backup=", "backup"), ("backup=zz", "backup"), ("backup=ab", "backup"), ("repository=nowhere", "repository"),
        ] {
            let answer = try await h.call(.GET, "/api/v1/nodes/n1/restore-plan?\(query)", token: DaemonHarness.viewerToken)
            let problem = Self.problem(answer)
            #expect(answer.status == 422, "\(query): \(answer.text)")
            #expect(problem["field"] as? String == field, "\(query): \(answer.text)")
            #expect((problem["detail"] as? String)?.hasPrefix("\(field): ") == true, "\(query): \(answer.text)")
        }
        // A well-formed id that matches nothing is 404, still naming the parameter.
        let missing = try await h.call(.GET, "/api/v1/nodes/n1/restore-plan?backup=abcd", token: DaemonHarness.viewerToken)
        #expect(missing.status == 404, "\(missing.text)")
        #expect((Self.problem(missing)["detail"] as? String)?.hasPrefix("backup: ") == true, "\(missing.text)")
    }

    /// A method a known path does not take is 405 with Allow (even without a token); an
    /// unknown path is 404; HEAD works wherever GET does.
    @Test func unsupportedMethodsAre405WithAllow() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let cases: [(HTTPMethod, String, String)] = [
            (.PATCH, "/api/v1/nodes", "GET, HEAD"), (.DELETE, "/healthz", "GET, HEAD"), (.POST, "/metrics", "GET, HEAD"),
            (.PUT, "/api/v1/openapi.json", "GET, HEAD"), (.POST, "/api/v1/nodes/n1", "GET, HEAD"),
            (.PATCH, "/api/v1/nodes/n1/schedules/backup", "DELETE, GET, HEAD, PUT"), (.GET, "/api/v1/nodes/n1/backups", "POST"),
            (.DELETE, "/api/v1/jobs/1", "GET, HEAD"),
        ]
        for (method, path, allow) in cases {
            for token: String? in [DaemonHarness.operatorToken, nil] {
                let answer = try await h.call(method, path, token: token)
                #expect(answer.status == 405, "\(method) \(path): \(answer.status) \(answer.text)")
                #expect(answer.headers.first(name: "Allow") == allow, "\(method) \(path)")
                #expect(answer.contentType == "application/problem+json")
                #expect(Self.problem(answer)["status"] as? Int == 405)
            }
        }
        let unknown = try await h.call(.GET, "/api/v1/nowhere")
        #expect(unknown.status == 404)
        #expect((Self.problem(unknown)["detail"] as? String)?.hasPrefix("no route for /api/v1/nowhere") == true, "\(unknown.text)")
        #expect(try await h.call(.HEAD, "/healthz").status == 200)
        #expect(try await h.call(.HEAD, "/api/v1/nodes", token: DaemonHarness.viewerToken).status == 200)
    }

    /// Path parameters are percent-decoded; a decoded `/` or NUL is a clean 404 naming the parameter.
    @Test func pathParametersArePercentDecoded() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let node = try await h.call(.GET, "/api/v1/nodes/n%31", token: DaemonHarness.viewerToken)
        #expect(node.status == 200, "\(node.text)")
        #expect((node.json as? [String: Any])?["name"] as? String == "n1")
        let schedule = try await h.call(.GET, "/api/v1/nodes/%6E1/schedules/back%75p", token: DaemonHarness.viewerToken)
        #expect(schedule.status == 200, "\(schedule.text)")
        for path in ["/api/v1/nodes/n1%2Fx", "/api/v1/nodes/n%001", "/api/v1/nodes/%2F", "/api/v1/nodes/n1/schedules/backup%00"] {
            let answer = try await h.call(.GET, path, token: DaemonHarness.viewerToken)
            #expect(answer.status == 404, "\(path): \(answer.text)")
            #expect(answer.contentType == "application/problem+json")
            let detail = Self.problem(answer)["detail"] as? String ?? ""
            #expect(detail.hasPrefix("node") || detail.hasPrefix("kind"), "\(path): \(detail)")
            #expect(!detail.unicodeScalars.contains("\0"), "\(path): a raw NUL in \(detail)")
        }
        let job = try await h.call(.GET, "/api/v1/jobs/1%2F2", token: DaemonHarness.viewerToken)
        #expect(job.status == 404)
    }

    /// Every 4xx the server gives for a bad request is a status the document lists for the
    /// operation; and the document lists 401 for secured, 403 for operator, 404 for
    /// parameterised and 422 for validated operations.
    @Test func openAPIDocumentListsEveryStatusAnOperationReturns() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let doc = try #require(try await h.call(.GET, "/api/v1/openapi.json", token: nil).json as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: [String: [String: Any]]])
        func documented(_ method: String, _ path: String) -> Set<String> {
            Set(((paths[path]?[method.lowercased()])?["responses"] as? [String: Any])?.keys.map { $0 } ?? [])
        }
        for (path, methods) in paths {
            for (method, operation) in methods {
                let statuses = documented(method, path)
                let secured = !((operation["security"] as? [Any])?.isEmpty ?? true)
                if secured { #expect(statuses.contains("401"), "\(method) \(path)") }
                if secured && (method != "get" || path.hasSuffix("/export")) { #expect(statuses.contains("403"), "\(method) \(path)") }
                if path.contains("{") { #expect(statuses.contains("404"), "\(method) \(path)") }
                let queries = ((operation["parameters"] as? [[String: Any]]) ?? []).filter {
                    $0["in"] as? String == "query" && $0["name"] as? String != "node"
                }
                if !queries.isEmpty || operation["requestBody"] != nil { #expect(statuses.contains("422"), "\(method) \(path)") }
            }
        }
        let v = DaemonHarness.viewerToken
        let o = DaemonHarness.operatorToken
        let bad: [(HTTPMethod, String, String, String?, String?)] = [
            (.GET, "/api/v1/nodes/ghost", "/api/v1/nodes/{node}", v, nil),
            (.GET, "/api/v1/nodes/ghost/history", "/api/v1/nodes/{node}/history", v, nil),
            (.GET, "/api/v1/nodes/n1/history?limit=0", "/api/v1/nodes/{node}/history", v, nil),
            (.GET, "/api/v1/nodes/n1/history?kind=nope", "/api/v1/nodes/{node}/history", v, nil),
            (.GET, "/api/v1/nodes/ghost/snapshots", "/api/v1/nodes/{node}/snapshots", v, nil),
            (.GET, "/api/v1/nodes/n1/snapshots?kind=nope", "/api/v1/nodes/{node}/snapshots", v, nil),
            (.GET, "/api/v1/jobs?state=null", "/api/v1/jobs", v, nil),
            (.GET, "/api/v1/jobs/999", "/api/v1/jobs/{id}", v, nil),
            (.POST, "/api/v1/nodes/ghost/backups", "/api/v1/nodes/{node}/backups", o, nil),
            (.POST, "/api/v1/nodes/ghost/verify", "/api/v1/nodes/{node}/verify", o, nil),
            (.POST, "/api/v1/nodes/ghost/drills", "/api/v1/nodes/{node}/drills", o, nil),
            (.GET, "/api/v1/nodes/n1/drills?limit=0", "/api/v1/nodes/{node}/drills", v, nil),
            (.PUT, "/api/v1/nodes/n1/schedules/drill", "/api/v1/nodes/{node}/schedules/{kind}", o, #"{"interval": "1h"}"#),
            (.POST, "/api/v1/nodes/ghost/identity-dumps", "/api/v1/nodes/{node}/identity-dumps", o, nil),
            (.POST, "/api/v1/nodes/ghost/restores", "/api/v1/nodes/{node}/restores", o, "{}"),
            (.POST, "/api/v1/nodes/ghost/node-restores", "/api/v1/nodes/{node}/node-restores", o, nil),
            (.GET, "/api/v1/nodes/n1/restore-plan?backup=", "/api/v1/nodes/{node}/restore-plan", v, nil),
            (
                .GET, "/api/v1/nodes/n1/identity-dumps/latest/export?repository=", "/api/v1/nodes/{node}/identity-dumps/{dump}/export", o,
                nil
            ),
            (
                .PUT, "/api/v1/nodes/n1/schedules/true", "/api/v1/nodes/{node}/schedules/{kind}", o,
                #"{"interval": "1h", "repositories": ["primary"]}"#
            ),
            (.POST, "/api/v1/nodes/n1/schedules/true/pause", "/api/v1/nodes/{node}/schedules/{kind}/pause", o, nil),
            (.POST, "/api/v1/jobs/999/cancel", "/api/v1/jobs/{id}/cancel", o, nil),
            (.POST, "/api/v1/jobs/999/rollback", "/api/v1/jobs/{id}/rollback", o, nil),
        ]
        for (method, path, template, token, body) in bad {
            let answer = try await h.call(method, path, token: token, body: body)
            #expect((400..<500).contains(answer.status), "\(method) \(path): \(answer.status)")
            #expect(
                documented(method.rawValue, template).contains("\(answer.status)"),
                "\(method) \(path) answered \(answer.status): \(answer.text)")
        }
    }

    /// Every mutating call refuses a missing or unknown token (401) and a viewer token (403)
    /// before doing anything; no answer contains a token or the repository password.
    @Test func everyMutatingCallIsAuthenticatedAndAuthorised() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let mutating = APIRouter.routes.filter { !$0.hasPrefix("GET ") || $0.hasSuffix("/export") }
        #expect(mutating.count >= 14)
        var texts: [String] = []
        for route in mutating {
            let parts = route.split(separator: " ")
            let path = String(parts[1]).replacingOccurrences(of: "{node}", with: "n1").replacingOccurrences(of: "{kind}", with: "backup")
                .replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{dump}", with: "latest")
            let body = #"{"target": "\#(h.dir.appending("t"))", "interval": "1h", "repositories": ["primary"], "identityFile": "/x"}"#
            let method = HTTPMethod(rawValue: String(parts[0]))
            for (token, status) in [(nil, 401), ("not-a-token", 401), (DaemonHarness.viewerToken, 403)] as [(String?, Int)] {
                let answer = try await h.call(method, path, token: token, body: body)
                #expect(answer.status == status, "\(route) with \(token ?? "no token"): \(answer.status) \(answer.text)")
                #expect(answer.contentType == "application/problem+json", "\(route)")
                texts.append(answer.text)
            }
        }
        #expect(try await h.daemon.catalog.countJobs() == 0)
        let schedule = try await h.call(.GET, "/api/v1/nodes/n1/schedules/backup", token: DaemonHarness.viewerToken)
        #expect((schedule.json as? [String: Any])?["origin"] as? String == "config")
        for text in texts {
            for secret in [DaemonHarness.viewerToken, DaemonHarness.operatorToken, "not-a-token", DaemonHarness.password] {
                #expect(!text.contains(secret), "\(text)")
            }
        }
    }

    /// Node views and metrics are reused for a second under load, yet a finished job or a
    /// schedule change shows at once.
    @Test func cachedSummariesShowChangesAtOnce() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let v = DaemonHarness.viewerToken
        #expect(
            try await h.call(.GET, "/metrics", token: nil).text.contains(#"lifeboat_jobs_total{node="n1",kind="backup",state="Completed"}"#)
                == false)
        #expect(
            ((try await h.call(.GET, "/api/v1/nodes/n1", token: v).json as? [String: Any])?["lastSuccess"] as? [String: Any])?.isEmpty
                == true)
        _ = try await h.call(.GET, "/api/v1/nodes", token: v)
        let started = try await h.call(.POST, "/api/v1/nodes/n1/backups")
        _ = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(
            try await h.call(.GET, "/metrics", token: nil).text.contains(
                #"lifeboat_jobs_total{node="n1",kind="backup",state="Completed"} 1"#))
        let node = try #require(try await h.call(.GET, "/api/v1/nodes/n1", token: v).json as? [String: Any])
        #expect((node["lastSuccess"] as? [String: Any])?["backup"] != nil, "\(node)")
        let nodes = try #require(try await h.call(.GET, "/api/v1/nodes", token: v).json as? [[String: Any]])
        #expect((nodes.first?["lastSuccess"] as? [String: Any])?["backup"] != nil, "\(nodes)")
        _ = try await h.call(.POST, "/api/v1/nodes/n1/schedules/backup/pause")
        #expect(try await h.call(.GET, "/metrics", token: nil).text.contains(#"lifeboat_schedule_paused{node="n1",kind="backup"} 1"#))
        let paused = try #require(try await h.call(.GET, "/api/v1/nodes/n1", token: v).json as? [String: Any])
        let schedules = paused["schedules"] as? [[String: Any]] ?? []
        #expect(schedules.first { $0["kind"] as? String == "backup" }?["paused"] as? Bool == true)
    }

    /// A job's work runs on the job threads, off the cooperative pool the API answers on, and
    /// so do the child tasks it starts (a backup's pipeline).
    @Test func jobsRunOnTheJobThreads() async throws {
        let seen = ThreadNames()
        let dir = try TemporaryDirectory(prefix: "lifeboat-daemon-threads")
        try FileManager.default.createDirectory(atPath: dir.appending("node/crypto"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.appending("node/events"), withIntermediateDirectories: true)
        try DaemonHarness.makeDatabase(dir.appending("node/data.db"), rows: 10)
        let h = try await DaemonHarness(
            dir: dir,
            identity:
                "interval: 1h\nmax: 2\nrepositories: [primary]\nsource: {type: fs, directory: crypto}\nrecipients: [age1242n2k6vvdyxtz3csw8azfx22guewx0agk6ddu8zdht9gtgunyaqq9te02]",
            identityDump: { _, _, _ in
                seen.add(currentThreadName())
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { seen.add(currentThreadName()) }
                }
                throw LifeboatError(.unsupported, "recorded the threads")
            })
        defer { Task { await h.stop() } }
        let started = try await h.call(.POST, "/api/v1/nodes/n1/identity-dumps")
        #expect(started.status == 202, "\(started.text)")
        _ = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        let names = seen.names
        #expect(names.count == 2)
        #expect(names.allSatisfy { $0.hasPrefix("lifeboat-job-") }, "\(names)")
    }
}

/// The name of the thread running the caller: `lifeboat-job-N` on a job thread.
func currentThreadName() -> String {
    JobThreads.currentThread.map { "lifeboat-job-\($0)" } ?? "not a job thread"
}

/// Thread names collected from several tasks.
final class ThreadNames: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []

    func add(_ name: String) { lock.withLock { collected.append(name) } }

    var names: [String] { lock.withLock { collected } }
}
