import Foundation
import Hummingbird
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs
import LifeboatRepository

/// The route handlers' shared work.
struct API: Sendable {
    let daemon: Daemon
    /// The node views, metrics and snapshot lists, reused for a second.
    let cache: SummaryCache

    init(daemon: Daemon) {
        self.daemon = daemon
        let (catalog, sized) = (daemon.catalog, daemon.finishedJobs)
        cache = SummaryCache { catalog.writeCount &+ sized.value }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(ISO8601.format(date))
        }
        return e
    }()

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        jsonResponse(try Self.encoder.encode(value), status: status)
    }

    func jsonResponse(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON answer from the cache under `key`, computed by `compute` when stale.
    func cachedJSON<Value: Encodable & Sendable>(
        _ key: String, _ compute: @escaping @Sendable () async throws -> Value
    ) async throws
        -> Response
    {
        jsonResponse(try await cache.value(key) { try Self.encoder.encode(try await compute()) })
    }

    func ready() async throws -> Response {
        do {
            _ = try await daemon.catalog.jobs(limit: 1)
        } catch {
            throw Problem(.serviceUnavailable, "the catalog cannot be read")
        }
        return try json(["status": "ready"])
    }

    func metrics() async throws -> Response {
        let daemon = self.daemon
        let text = try await cache.value("metrics") { Data(await Metrics.render(daemon).utf8) }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }

    // MARK: Parameters

    /// A path parameter, percent-decoded (`nuts%2Ddemo` is `nuts-demo`).
    /// - Throws: 404 naming the parameter for a broken encoding, or a value with `/` or NUL
    ///   (no node, schedule, job or dump has such a name).
    static func pathParameter(_ context: APIContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let value = raw.removingPercentEncoding else {
            throw Problem(.notFound, "\(name) \"\(show(raw))\" is not valid percent-encoding, so it names no \(name)")
        }
        if value.contains("/") || value.unicodeScalars.contains("\0") {
            throw Problem(.notFound, "\(name) \"\(show(value))\" contains / or NUL, so it names no \(name)")
        }
        return value
    }

    /// `value` with control characters written as `\u{…}`, for a message.
    static func show(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\"" || scalar == "\\" {
                out += scalar.isASCII && scalar.value >= 0x20 ? "\\\(scalar)" : "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    func nodeName(_ context: APIContext) throws -> String {
        let name = try Self.pathParameter(context, "node")
        guard daemon.configuration.node(named: name) != nil else {
            throw Problem(
                .notFound,
                "node: no node named \"\(Self.show(name))\" (configured: \(daemon.configuration.nodes.map(\.name).joined(separator: ", ")))"
            )
        }
        return name
    }

    static func kind(_ text: String) -> JobKind? {
        switch text.lowercased() {
        case "backup", "backups", "state": .backup
        case "identity", "identity-dumps", "identity-dump": .identity
        case "drill", "drills": .drill
        default: nil
        }
    }

    func scheduleKey(_ context: APIContext) throws -> (String, JobKind) {
        let node = try nodeName(context)
        let text = try Self.pathParameter(context, "kind")
        guard let kind = Self.kind(text) else {
            throw Problem(
                .notFound,
                "kind: \"\(Self.show(text))\" is not a schedule; a node has the schedules backup and identity, and drill with a drills: section"
            )
        }
        if kind == .drill, daemon.configuration.node(named: node)?.drills == nil {
            throw Problem(.notFound, "node \(node) has no drill schedule: its configuration has no drills: section")
        }
        return (node, kind)
    }

    /// Refuses to create, replace or delete a drill schedule through the API: it lives in the
    /// node's `drills:` section with the drill's scratch directory and server (it can be paused).
    func requireEditableSchedule(_ node: String, kind: JobKind) throws {
        guard kind == .drill else { return }
        throw Problem(
            .unprocessableContent,
            "node \(node)'s drill schedule comes from its drills: section in lifeboat.yaml; change it there (pause and resume work here)")
    }

    func kindParameter(_ request: Request, default fallback: JobKind?) throws -> JobKind? {
        guard let text = request.uri.queryParameters.get("kind") else { return fallback }
        guard let kind = JobKind.allCases.first(where: { $0.rawValue == text }) ?? Self.kind(text) else {
            throw Problem(
                .unprocessableContent,
                "kind \"\(Self.show(text))\" is not one of \(JobKind.allCases.map(\.rawValue).joined(separator: ", "))",
                field: "kind")
        }
        return kind
    }

    func limitParameter(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return 50 }
        guard let limit = Int(text), (1...1000).contains(limit) else {
            throw Problem(.unprocessableContent, "limit \"\(Self.show(text))\" must be a number from 1 to 1000", field: "limit")
        }
        return limit
    }

    func job(_ context: APIContext) async throws -> Job {
        let text = try Self.pathParameter(context, "id")
        guard let id = JobID(text) else { throw Problem(.notFound, "id: \"\(Self.show(text))\" is not a job id (a number)") }
        guard let job = try await daemon.catalog.job(id) else { throw Problem(.notFound, "id: no job \(id)") }
        return job
    }

    /// Refuses identity work for a node whose configuration has no identity source: a plan
    /// or a dump could only fail later, every time.
    func requireIdentitySource(_ node: String, kind: JobKind) throws {
        guard kind == .identity, daemon.configuration.node(named: node)?.identity == nil else { return }
        throw Problem(
            .unprocessableContent,
            "node \(node) has no identity section (source and recipients) in the configuration; add one to lifeboat.yaml first")
    }

    /// The properties of a schedule body (`SchedulePlan` in the OpenAPI document).
    static let planProperties: [String: RequestBody.PropertyType] = [
        "cron": .string, "timezone": .string, "interval": .string, "max": .integer, "keep": .integers, "environment": .string,
        "paused": .boolean, "repositories": .strings,
    ]

    func parsePlan(_ body: String, kind: JobKind) throws -> BackupPlan {
        do {
            return try BackupPlan.parse(
                body, kind: kind == .identity ? .identity : .state, repositories: daemon.configuration.repositories.map(\.name))
        } catch let problem as PlanProblem {
            throw Problem(.unprocessableContent, problem.description, field: problem.field.isEmpty ? nil : problem.field)
        }
    }

    func restoreRequest(_ body: RestoreBody, node: String) throws -> RestoreRequest {
        guard let target = body.target, !target.isEmpty else {
            throw Problem(.unprocessableContent, "target: give the directory to restore into", field: "target")
        }
        guard target.hasPrefix("/") else {
            throw Problem(.unprocessableContent, "target: \"\(Self.show(target))\" must be an absolute path", field: "target")
        }
        let datadir = daemon.configuration.node(named: node)?.datadir
        _ = try RestoreRoots(daemon.configuration.api).confine(
            target, field: "target", what: "the restore target", also: datadir.map { [$0] } ?? [])
        if let repository = body.repository, daemon.configuration.repository(named: repository) == nil {
            throw Problem(
                .unprocessableContent, "repository: no repository named \"\(Self.show(repository))\"", field: "repository")
        }
        let snapshot = try Self.snapshotReference(body.snapshot, field: "snapshot")
        if let redis = body.redis, !RedisEntryRestore.isEntryName(redis) {
            throw Problem(
                .unprocessableContent,
                "redis: \"\(Self.show(redis))\" is not a Redis entry; give redis, redis-2, … (one per Redis store, in order)",
                field: "redis")
        }
        if let file = body.redisFile {
            guard body.redis != nil else {
                throw Problem(.unprocessableContent, "redisFile: give redis (the entry to restore) with it", field: "redisFile")
            }
            guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                throw Problem(
                    .unprocessableContent, "redisFile: \"\(Self.show(file))\" must be a plain file name such as dump.rdb",
                    field: "redisFile")
            }
        }
        return RestoreRequest(
            node: node, snapshot: snapshot, repository: body.repository, target: target, force: body.force ?? false, redis: body.redis,
            redisFile: body.redisFile)
    }

    /// Refuses, before a job is queued, a Redis restore whose backup does not exist (404
    /// naming `snapshot`) or holds no such Redis entry (404 naming `redis`).
    func requireRedisEntry(_ request: RestoreRequest) async throws {
        guard let entry = request.redis else { return }
        let record: SnapshotRecord
        do {
            record = try await daemon.executor.restoreSnapshot(request)
        } catch let error as LifeboatError where [.notFound, .invalidArgument].contains(error.code) {
            throw Problem(error.code == .notFound ? .notFound : .unprocessableContent, "snapshot: \(error.message)", field: "snapshot")
        }
        do {
            try RedisEntryRestore.requireEntry(entry, in: record)
        } catch let error as LifeboatError {
            throw Problem(.notFound, "redis: \(error.message)", field: "redis")
        }
    }

    /// Checks a node restore as the API and the console take it, naming the field at fault:
    /// the backup reference, the repository, an identity dump without its identity file, and
    /// the identity file and restore-kit directory inside `api.restore_roots`.
    /// - Throws: ``Problem`` 422.
    func checkNodeRestore(_ request: inout NodeRestoreRequest) throws {
        request.backup = try Self.snapshotReference(request.backup, field: "backup")
        try requireRepository(request.repository)
        if request.identityDump != nil && request.identityFile == nil {
            throw Problem(.unprocessableContent, "identityFile: give the age identity file that decrypts the dump", field: "identityFile")
        }
        if let original = request.original {
            guard original.hasPrefix("http://") || original.hasPrefix("https://"), URL(string: original)?.host != nil else {
                throw Problem(
                    .unprocessableContent, "original: \"\(Self.show(original))\" is not an http:// or https:// URL", field: "original")
            }
        }
        if (request.original != nil || request.iHaveStoppedTheOriginal) && request.identityDump == nil {
            throw Problem(
                .unprocessableContent, "original and iHaveStoppedTheOriginal apply to restoring an identity: give identityDump",
                field: request.original != nil ? "original" : "iHaveStoppedTheOriginal")
        }
        let roots = RestoreRoots(daemon.configuration.api)
        if let identityFile = request.identityFile {
            _ = try roots.confine(identityFile, field: "identityFile", what: "the identity file")
        }
        if let directory = request.restoreKitDirectory {
            _ = try roots.confine(directory, field: "restoreKitDirectory", what: "the restore-kit directory")
        }
    }

    /// `latest` (the default) or a snapshot id or prefix of at least 4 hex characters.
    /// - Throws: 422 naming `field`.
    static func snapshotReference(_ text: String?, field: String) throws -> String {
        let reference = text ?? "latest"
        guard reference == "latest" || (reference.count >= 4 && reference.allSatisfy(\.isHexDigit)) else {
            throw Problem(
                .unprocessableContent,
                "\(field): \"\(show(reference))\" is not a snapshot id (hex, at least 4 characters) or latest", field: field)
        }
        return reference
    }

    /// Refuses an age identity file the daemon cannot read (missing, a directory, no
    /// permission) up front, naming `field`, rather than failing deep in a decryption.
    static func requireReadableFile(_ path: String, field: String = "identityFile") throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        guard exists, !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            let why = !exists ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied"
            throw Problem(
                .unprocessableContent, "\(field): cannot read the age identity file \(show(path)): \(why)", field: field)
        }
    }

    /// Refuses a repository name the configuration does not have (422 naming `field`).
    func requireRepository(_ name: String?, field: String = "repository") throws {
        guard let name, daemon.configuration.repository(named: name) == nil else { return }
        throw Problem(.unprocessableContent, "\(field): no repository named \"\(Self.show(name))\"", field: field)
    }

    func submit(_ request: JobRequest, context: APIContext) async throws -> Response {
        let job = try await daemon.runner.submit(request, trigger: .api, detail: context.tokenName.map { "token \($0)" })
        cache.invalidate()
        var response = try json(JobView(job), status: .accepted)
        response.headers[.location] = "/api/v1/jobs/\(job.id)"
        return response
    }

    /// The most a request body may hold.
    static let maxBodyBytes = 64 * 1024

    /// The request's JSON body checked and decoded; nil for an empty body when `optional`.
    /// - Throws: ``Problem`` 422 naming the body or the property, 413 for a body too large.
    func body<T: Decodable>(
        _ request: Request, as type: T.Type, properties: [String: RequestBody.PropertyType], optional: Bool = false
    ) async throws -> T? {
        let buffer = try await collect(request)
        if optional && buffer.readableBytes == 0 { return nil }
        return try RequestBody(buffer, properties: properties).decode(T.self)
    }

    /// The request's body bytes, up to ``maxBodyBytes``.
    func collect(_ request: Request) async throws -> ByteBuffer {
        var request = request
        do {
            return try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, "request body: larger than \(Self.maxBodyBytes / 1024) KiB")
        }
    }

    // MARK: Views

    func nodes() async throws -> [NodeView] {
        let summaries = try await daemon.catalog.summaries()
        var out: [NodeView] = []
        for node in daemon.configuration.nodes { out.append(try await self.node(node.name, summaries: summaries)) }
        return out
    }

    func node(_ name: String, summaries given: [JobSummary]? = nil) async throws -> NodeView {
        guard let node = daemon.configuration.node(named: name) else { throw Problem(.notFound, "no node named \"\(name)\"") }
        var summaries = given ?? []
        if given == nil { summaries = try await daemon.catalog.summaries() }
        let now = daemon.clock.now()
        var schedules: [ScheduleView] = []
        var lastJobs: [String: JobView] = [:]
        var lastSuccess: [String: JobView] = [:]
        var warnings: [String] = []
        for kind in Scheduler.scheduledKinds(of: node) {
            let schedule = try await daemon.scheduler.schedule(node: name, kind: kind)
            schedules.append(ScheduleView(schedule, now: now))
            let summary = summaries.first { $0.node == name && $0.kind == kind }
            let last = summary?.last
            let success = summary?.lastCompleted
            if let last { lastJobs[kind.rawValue] = JobView(last) }
            if let success { lastSuccess[kind.rawValue] = JobView(success) }
            if let last, last.state == .failed { warnings.append("the last \(kind) failed: \(last.errorMessage ?? "no reason recorded")") }
            if let plan = schedule.plan, !schedule.paused, let period = plan.schedule.expectedPeriod(now: now) {
                let since = success?.endedAt ?? daemon.startedAt
                if now.timeIntervalSince(since) > 2 * period + 60 {
                    warnings.append("\(kind) is overdue: no successful run since \(ISO8601.format(since))")
                }
            }
        }
        warnings += await Pairing.problems(node: node, daemon: daemon, now: now)
        return NodeView(
            name: node.name, profile: node.profile.rawValue, datadir: node.datadir,
            stores: node.stores.map { StoreView(type: $0.typeName, path: $0.path) }, schedules: schedules, lastJobs: lastJobs,
            lastSuccess: lastSuccess, warnings: warnings)
    }

    func snapshots(node: String, kind: JobKind?) async throws -> [SnapshotView] {
        let snapshotKind: SnapshotKind = kind == .identity ? .identity : .state
        var byID: [String: SnapshotView] = [:]
        for rc in daemon.configuration.repositories {
            guard let repo = try? await daemon.repositories.repository(rc.name) else { continue }
            for record in try await repo.snapshots() where record.snapshot.node == node && record.snapshot.kind == snapshotKind {
                // A copy in another repository has its own id; it is the same backup as its origin.
                let hex = record.snapshot.origin?.snapshot.hex ?? record.id.hex
                if byID[hex] != nil {
                    byID[hex]?.repositories.append(rc.name)
                } else {
                    byID[hex] = SnapshotView(
                        id: hex, shortId: record.id.short, time: record.snapshot.time, kind: snapshotKind.rawValue,
                        bytes: record.snapshot.summary.bytes, files: record.snapshot.summary.files, repositories: [rc.name])
                }
            }
        }
        return byID.values.sorted { $0.time > $1.time }
    }
}
