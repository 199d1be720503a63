import Foundation
import Hummingbird
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs
import LifeboatRepository
import NIOFoundationCompat

/// The REST API under `/api/v1`, `/healthz`, `/readyz` and `/metrics`.
public enum APIRouter {
    /// Every route as `METHOD PATH`, in the order the OpenAPI document lists them (a test keeps both in step).
    public static let routes: [String] =
        [
            "GET /healthz", "GET /readyz", "GET /metrics", "GET /api/v1/openapi.json",
            "GET /api/v1/nodes", "GET /api/v1/nodes/{node}",
            "GET /api/v1/nodes/{node}/schedules/{kind}", "PUT /api/v1/nodes/{node}/schedules/{kind}",
            "DELETE /api/v1/nodes/{node}/schedules/{kind}", "POST /api/v1/nodes/{node}/schedules/{kind}/pause",
            "POST /api/v1/nodes/{node}/schedules/{kind}/resume",
            "GET /api/v1/nodes/{node}/history", "GET /api/v1/nodes/{node}/snapshots",
            "POST /api/v1/nodes/{node}/backups", "POST /api/v1/nodes/{node}/identity-dumps",
            "POST /api/v1/nodes/{node}/restores", "POST /api/v1/nodes/{node}/verify",
            "GET /api/v1/nodes/{node}/drills", "POST /api/v1/nodes/{node}/drills",
            "GET /api/v1/nodes/{node}/restore-plan", "POST /api/v1/nodes/{node}/node-restores", "POST /api/v1/jobs/{id}/rollback",
            "GET /api/v1/jobs", "GET /api/v1/jobs/{id}", "POST /api/v1/jobs/{id}/cancel",
        ] + IdentityRoutes.routes + ConsoleRouter.routes

    /// Builds the router.
    public static func build(_ daemon: Daemon) -> Router<APIContext> {
        let router = Router(context: APIContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: BearerAuthMiddleware(tokens: daemon.configuration.api.tokens))
        let api = API(daemon: daemon)

        router.get("/healthz") { _, _ in try api.json(["status": "ok"]) }
        router.get("/readyz") { _, _ in try await api.ready() }
        router.get("/metrics") { _, _ in try await api.metrics() }
        router.get("/api/v1/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }

        let v1 = router.group("/api/v1")
        v1.get("/nodes") { _, context in
            try context.require(.viewer)
            return try await api.cachedJSON("nodes") { try await api.nodes() }
        }
        v1.get("/nodes/{node}") { _, context in
            try context.require(.viewer)
            let node = try api.nodeName(context)
            return try await api.cachedJSON("node \(node)") { try await api.node(node) }
        }
        v1.get("/nodes/{node}/schedules/{kind}") { _, context in
            try context.require(.viewer)
            let (node, kind) = try api.scheduleKey(context)
            return try await api.cachedJSON("schedule \(node) \(kind)") {
                ScheduleView(try await daemon.scheduler.schedule(node: node, kind: kind), now: daemon.clock.now())
            }
        }
        v1.put("/nodes/{node}/schedules/{kind}") { request, context in
            try context.require(.operator)
            let (node, kind) = try api.scheduleKey(context)
            try api.requireIdentitySource(node, kind: kind)
            try api.requireEditableSchedule(node, kind: kind)
            let body = try await api.collect(request)
            _ = try RequestBody(body, properties: API.planProperties)
            let plan = try api.parsePlan(String(buffer: body), kind: kind)
            let existed = try await daemon.scheduler.schedule(node: node, kind: kind).plan != nil
            let view = ScheduleView(try await daemon.scheduler.setPlan(plan, node: node, kind: kind), now: daemon.clock.now())
            api.cache.invalidate()
            return try api.json(view, status: existed ? .ok : .created)
        }
        v1.delete("/nodes/{node}/schedules/{kind}") { _, context in
            try context.require(.operator)
            let (node, kind) = try api.scheduleKey(context)
            try api.requireEditableSchedule(node, kind: kind)
            guard try await daemon.scheduler.schedule(node: node, kind: kind).plan != nil else {
                throw Problem(.notFound, "node \(node) has no \(kind) schedule")
            }
            try await daemon.scheduler.deletePlan(node: node, kind: kind)
            api.cache.invalidate()
            return Response(status: .noContent)
        }
        for (action, paused) in [("pause", true), ("resume", false)] {
            v1.post("/nodes/{node}/schedules/{kind}/\(action)") { _, context in
                try context.require(.operator)
                let (node, kind) = try api.scheduleKey(context)
                let view = ScheduleView(try await daemon.scheduler.setPaused(paused, node: node, kind: kind), now: daemon.clock.now())
                api.cache.invalidate()
                return try api.json(view)
            }
        }
        v1.get("/nodes/{node}/history") { request, context in
            try context.require(.viewer)
            let node = try api.nodeName(context)
            let kind = try api.kindParameter(request, default: nil)
            let limit = try api.limitParameter(request)
            return try await api.cachedJSON("history \(node) \(kind.map(\.rawValue) ?? "") \(limit)") {
                try await daemon.catalog.jobs(node: node, kind: kind, limit: limit).map { JobView($0) }
            }
        }
        v1.get("/nodes/{node}/snapshots") { request, context in
            try context.require(.viewer)
            let node = try api.nodeName(context)
            let kind = try api.kindParameter(request, default: .backup)
            return try await api.cachedJSON("snapshots \(node) \(kind.map(\.rawValue) ?? "")") {
                try await api.snapshots(node: node, kind: kind)
            }
        }
        v1.post("/nodes/{node}/backups") { _, context in
            try context.require(.operator)
            return try await api.submit(.backup(node: try api.nodeName(context)), context: context)
        }
        v1.post("/nodes/{node}/identity-dumps") { _, context in
            try context.require(.operator)
            let node = try api.nodeName(context)
            try api.requireIdentitySource(node, kind: .identity)
            return try await api.submit(.identity(node: node), context: context)
        }
        v1.post("/nodes/{node}/verify") { _, context in
            try context.require(.operator)
            return try await api.submit(.verify(node: try api.nodeName(context), repository: nil), context: context)
        }
        v1.get("/nodes/{node}/drills") { request, context in
            try context.require(.viewer)
            let node = try api.nodeName(context)
            let limit = try api.limitParameter(request)
            return try await api.cachedJSON("drills \(node) \(limit)") {
                try await daemon.catalog.drills(node: node, limit: limit).map(DrillView.init)
            }
        }
        v1.post("/nodes/{node}/drills") { _, context in
            try context.require(.operator)
            let node = try api.nodeName(context)
            guard daemon.configuration.node(named: node)?.backups != nil else {
                throw Problem(.unprocessableContent, "node \(node) has no state backups (no backups schedule) to drill")
            }
            return try await api.submit(.drill(node: node), context: context)
        }
        v1.post("/nodes/{node}/restores") { request, context in
            try context.require(.operator)
            let node = try api.nodeName(context)
            let body = try await api.body(
                request, as: RestoreBody.self,
                properties: [
                    "snapshot": .string, "repository": .string, "target": .string, "force": .boolean, "redis": .string,
                    "redisFile": .string,
                ])
            let restore = try api.restoreRequest(body ?? RestoreBody(), node: node)
            try await api.requireRedisEntry(restore)
            return try await api.submit(.restore(restore), context: context)
        }
        v1.get("/nodes/{node}/restore-plan") { request, context in
            try context.require(.viewer)
            let node = try api.nodeName(context)
            let query = request.uri.queryParameters
            let backup = try API.snapshotReference(query.get("backup"), field: "backup")
            let repository = query.get("repository")
            try api.requireRepository(repository)
            if let identityFile = query.get("identityFile") {
                _ = try RestoreRoots(daemon.configuration.api).confine(identityFile, field: "identityFile", what: "the identity file")
            }
            let plan: [RunbookStep]
            do {
                plan = try await daemon.executor.nodeRestorePlan(
                    NodeRestoreRequest(
                        node: node, backup: backup, repository: repository, identityDump: query.get("identityDump"),
                        identityFile: query.get("identityFile"), newParticipantId: query.get("newParticipantId")))
            } catch let error as LifeboatError where [.notFound, .invalidArgument].contains(error.code) {
                // Only the backup is looked up by then: the node and repository are checked above.
                throw Problem(
                    error.code == .notFound ? .notFound : .unprocessableContent, "backup: \(error.message)",
                    field: error.code == .notFound ? nil : "backup")
            }
            return try api.json(plan)
        }
        v1.post("/nodes/{node}/node-restores") { request, context in
            try context.require(.operator)
            let node = try api.nodeName(context)
            var body =
                try await api.body(
                    request, as: NodeRestoreRequest.self,
                    properties: [
                        "backup": .string, "repository": .string, "identityDump": .string, "identityFile": .string,
                        "newParticipantId": .string, "restoreKitDirectory": .string, "noRollback": .boolean,
                        "original": .string, "iHaveStoppedTheOriginal": .boolean,
                    ],
                    optional: true) ?? NodeRestoreRequest(node: node)
            body.node = node
            try api.checkNodeRestore(&body)
            return try await api.submit(.nodeRestore(body), context: context)
        }
        v1.post("/jobs/{id}/rollback") { _, context in
            try context.require(.operator)
            let job = try await api.job(context)
            guard job.kind == .restore else {
                throw Problem(.unprocessableContent, "job \(job.id) is a \(job.kind) job; only a node restore can be rolled back")
            }
            return try await api.submit(.rollback(node: job.node, job: job.id), context: context)
        }
        IdentityRoutes.register(on: v1, api: api)
        v1.get("/jobs") { request, context in
            try context.require(.viewer)
            let query = request.uri.queryParameters
            let node = query.get("node")
            let kind = try api.kindParameter(request, default: nil)
            var state: JobState?
            if let text = query.get("state") {
                guard let s = JobState.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
                    throw Problem(
                        .unprocessableContent,
                        "state \"\(text)\" is not one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))",
                        field: "state")
                }
                state = s
            }
            let limit = try api.limitParameter(request)
            let chosen = state
            let key = "jobs \(node ?? "\u{0}") \(kind.map(\.rawValue) ?? "") \(chosen.map(\.rawValue) ?? "") \(limit)"
            return try await api.cachedJSON(key) {
                try await daemon.catalog.jobs(node: node, kind: kind, state: chosen, limit: limit).map { JobView($0) }
            }
        }
        v1.get("/jobs/{id}") { _, context in
            try context.require(.viewer)
            let text = try API.pathParameter(context, "id")
            guard let id = JobID(text) else { throw Problem(.notFound, "id: \"\(API.show(text))\" is not a job id (a number)") }
            return try await api.cachedJSON("job \(id)") {
                guard let job = try await daemon.catalog.job(id) else { throw Problem(.notFound, "id: no job \(id)") }
                return JobView(job, steps: try await daemon.catalog.steps(id))
            }
        }
        v1.post("/jobs/{id}/cancel") { _, context in
            try context.require(.operator)
            let job = try await api.job(context)
            let after = try await daemon.runner.cancel(job.id)
            api.cache.invalidate()
            return try api.json(JobView(after), status: .accepted)
        }
        ConsoleRouter.register(on: router, daemon: daemon)
        return router
    }
}
