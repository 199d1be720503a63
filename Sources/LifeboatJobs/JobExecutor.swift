import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository
import Logging

/// Does the work of each kind of job against the configured nodes and repositories.
public struct JobExecutor: Sendable {
    let configuration: LifeboatConfiguration
    let repositories: RepositoryPool
    let gate: RepositoryGate
    let plans: @Sendable (String, JobKind) async -> BackupPlan?
    let identityDump: IdentityDumpFunction?
    let identityRestore: IdentityRestoreFunction?
    /// The job catalog (Canton restore kits record participant identifiers in it).
    let catalog: Catalog?
    let logger: Logger

    /// Creates an executor; `plans` gives the plan in force for a node and kind.
    public init(
        configuration: LifeboatConfiguration, repositories: RepositoryPool, gate: RepositoryGate,
        plans: @escaping @Sendable (String, JobKind) async -> BackupPlan?, identityDump: IdentityDumpFunction? = nil,
        identityRestore: IdentityRestoreFunction? = nil, catalog: Catalog? = nil, logger: Logger
    ) {
        self.identityRestore = identityRestore
        self.catalog = catalog
        self.configuration = configuration
        self.repositories = repositories
        self.gate = gate
        self.plans = plans
        self.identityDump = identityDump
        self.logger = logger
    }

    /// Runs one job to its end; throws when it fails. `phase` records runbook steps.
    public func execute(
        _ request: JobRequest, job: JobID, progress: any ProgressReporter, phase: @escaping @Sendable (String) async -> Void = { _ in }
    ) async throws -> JobOutcome {
        switch request {
        case .nodeRestore(let r): try await nodeRestore(r, job: job, progress: progress, phase: phase)
        case .rollback(let node, let original):
            JobOutcome(message: try await NodeRestoreRunbook.rollback(node: try self.node(named: node), job: original, logger: logger))
        case .recover(let node, let original): try await recoverRunbook(node: node, job: original, phase: phase)
        case .backup(let name): try await backup(node: try node(named: name), progress: progress)
        case .identity(let name): try await identity(node: try node(named: name), progress: progress)
        case .restore(let r): try await restore(r, progress: progress)
        case .verify(let node, let repository): try await verify(node: node, repository: repository, progress: progress)
        case .prune(let repository): try await prune(repository: repository, progress: progress)
        case .drill(let name): try await drill(node: try node(named: name), job: job, progress: progress)
        }
    }

    package func node(named name: String) throws -> NodeConfiguration {
        guard let node = configuration.node(named: name) else {
            throw LifeboatError(.notFound, "no node named \"\(name)\" in the configuration")
        }
        return node
    }

    /// The repositories a kind of job writes to: the plan's, or the first configured.
    package func repositoryNames(node: NodeConfiguration, kind: JobKind) async -> [String] {
        if let plan = await plans(node.name, kind), !plan.repositories.isEmpty { return plan.repositories }
        return configuration.repositories.first.map { [$0.name] } ?? []
    }

    /// The repository a restore reads from: the one asked for, else the node's first backup repository.
    func restoreRepository(_ asked: String?, node: NodeConfiguration) async -> String {
        if let asked { return asked }
        return await repositoryNames(node: node, kind: .backup).first ?? ""
    }

    // MARK: State backups

    /// The files and directories a node's state backup reads, and the directory they are stored relative to.
    public static func storePaths(_ node: NodeConfiguration) throws -> (paths: [String], root: String?) {
        var paths: [String] = []
        for store in node.stores {
            if let path = store.path { paths.append(node.resolvedPath(path)) }
        }
        guard let datadir = node.datadir else { return (paths, nil) }
        let inside = paths.allSatisfy { $0.hasPrefix(datadir.hasSuffix("/") ? datadir : datadir + "/") }
        // Stores outside the datadir keep their absolute layout so a restore can tell them apart.
        return (paths, inside ? datadir : "/")
    }

    /// The streamed entries of a node's database stores: Redis RDB snapshots, PostgreSQL
    /// custom-format dumps and MySQL dumps (in the declared order), each under its own prefix.
    static func databaseEntries(_ node: NodeConfiguration) async throws -> [StreamEntry] {
        var entries: [StreamEntry] = []
        var redisCount = 0
        var postgresCount = 0
        var mysqlCount = 0
        for store in node.stores {
            switch store {
            case .redis(let redis):
                let prefix = redisCount == 0 ? "redis" : "redis-\(redisCount + 1)"
                redisCount += 1
                entries += try await RedisStoreClient(connection: try RedisConnection(store: redis)).backupEntries(prefix: prefix)
            case .postgres(let postgres):
                let prefix = postgresCount == 0 ? "postgres" : "postgres-\(postgresCount + 1)"
                postgresCount += 1
                entries += try await PostgresStoreClient(store: postgres).backupEntries(prefix: prefix)
            case .mysql(let mysql):
                let prefix = mysqlCount == 0 ? "mysql" : "mysql-\(mysqlCount + 1)"
                mysqlCount += 1
                entries += try await MySQLStoreClient(store: mysql).backupEntries(prefix: prefix)
            default:
                continue
            }
        }
        return entries
    }

    func backup(node: NodeConfiguration, progress: any ProgressReporter) async throws -> JobOutcome {
        if let problem = StoreFormatCheck.problems(node).first { throw LifeboatError(.invalidArgument, problem) }
        let (paths, root) = try Self.storePaths(node)
        let names = await repositoryNames(node: node, kind: .backup)
        guard let primary = names.first else {
            throw LifeboatError(.invalidArgument, "node \(node.name) has no repository to back up to")
        }
        var options = BackupOptions()
        options.node = node.name
        options.kind = .state
        options.root = root ?? (paths.isEmpty ? node.datadir : nil)
        options.tags = ["profile:\(node.profile.rawValue)"] + (node.migrationID.map { ["migration:\($0)"] } ?? [])
        // The diagnostics bracket the capture: read right before the first store and right after the last.
        let capture = await DiagnosticsCapture.begin(node, logger: logger)
        options.streams = try await Self.databaseEntries(node)
        guard !paths.isEmpty || !options.streams.isEmpty else {
            throw LifeboatError(.invalidArgument, "node \(node.name) has no stores to back up")
        }
        if let capture, await capture.awaitFreshShelfCopies() { options.closingStreams = [capture.entry(root: options.root)] }
        let backupOptions = options
        let repo = try await repositories.repository(primary)
        // Fail fast, before anything is written, when a repository cannot hold the run.
        for name in names {
            guard let rc = configuration.repository(named: name) else { continue }
            let target = name == primary ? repo : try await repositories.repository(name)
            try SpacePreflight.check(node: node, repository: rc, records: try await target.snapshots())
        }
        let result = try await gate.with(primary, exclusive: false) {
            try await retryingWhileLocked { try await repo.backup(paths: paths, options: backupOptions, progress: progress) }
        }
        // The other repositories (off-site) get a copy of the same snapshot: only data they lack is sent.
        var written = [primary]
        var copyFailures: [String] = []
        for name in names.dropFirst() {
            do {
                let target = try await repositories.repository(name)
                _ = try await gate.with(name, exclusive: false) {
                    try await retryingWhileLocked {
                        try await repo.copy([SnapshotRecord(id: result.id, snapshot: result.snapshot)], to: target, progress: progress)
                    }
                }
                written.append(name)
            } catch {
                copyFailures.append("copy to \(name) failed: \((error as? LifeboatError)?.message ?? "\(error)")")
            }
        }
        var problems = copyFailures
        if !result.warnings.isEmpty {
            problems.insert(
                "\(result.warnings.count) item(s) could not be read: " + result.warnings.prefix(3).joined(separator: "; "), at: 0)
        }
        if !problems.isEmpty {
            return JobOutcome(
                state: .partiallyFailed, snapshot: result.id.hex, repositories: written, message: problems.joined(separator: "; "))
        }
        try await applyRetention(node: node, kind: .backup, repositories: written)
        return JobOutcome(snapshot: result.id.hex, repositories: written)
    }

    func nodeRestore(
        _ request: NodeRestoreRequest, job: JobID, progress: any ProgressReporter, phase: @escaping @Sendable (String) async -> Void
    ) async throws -> JobOutcome {
        let node = try node(named: request.node)
        let name = await restoreRepository(request.repository, node: node)
        let repo = try await repositories.repository(name)
        let runbook = NodeRestoreRunbook(
            node: node, request: request, repository: repo, repositoryName: name, identityRestore: identityRestore, catalog: catalog,
            logger: logger)
        let recorder = RunbookStepRecorder(catalog: catalog, job: job, logger: logger)
        let planned = try? await runbook.plan(snapshot: repo.findSnapshot(request.backup, node: node.name, kind: .state))
        await recorder.start(planned ?? runbook.plan(snapshot: nil))
        let steps: [RunbookStep]
        do {
            steps = try await gate.with(name, exclusive: false) {
                try await runbook.run(
                    job: job,
                    report: { index, step in
                        await recorder.update(index, step)
                        let total = await recorder.count
                        if step.status == "running" { await phase("step \(index + 1)/\(total) \(step.id): \(step.description)") }
                    },
                    progress: progress)
            }
        } catch {
            await recorder.notRun(after: error)
            throw error
        }
        await recorder.finish(steps)
        let warnings = steps.filter { $0.status == "warning" }.compactMap(\.message)
        let record = try await repo.findSnapshot(request.backup, node: node.name, kind: .state)
        return JobOutcome(
            state: .completed, snapshot: record.id.hex, repositories: [name],
            message: warnings.isEmpty ? nil : "completed with warnings: " + warnings.joined(separator: "; "))
    }

    /// Finishes or undoes the node restore `job` that a killed daemon left, from its journal.
    func recoverRunbook(node name: String, job: JobID, phase: @escaping @Sendable (String) async -> Void) async throws -> JobOutcome {
        let node = try node(named: name)
        guard let datadir = node.datadir else { throw LifeboatError(.invalidArgument, "node \(name) has no datadir") }
        let path = RunbookJournal.path(datadir: datadir, node: name, job: job.rawValue)
        let journal = try RunbookJournal.read(path)
        let repo = try await repositories.repository(journal.repository)
        let runbook = NodeRestoreRunbook(
            node: node, request: journal.request, repository: repo, repositoryName: journal.repository, identityRestore: identityRestore,
            catalog: catalog, logger: logger)
        let message = try await gate.with(journal.repository, exclusive: false) {
            try await runbook.recover(
                journal: journal, journalPath: path,
                report: { index, step in await phase("recovering job \(job): step \(index + 1)/11 \(step.id): \(step.description)") })
        }
        return JobOutcome(state: .completed, snapshot: journal.snapshot, repositories: [journal.repository], message: message)
    }

    /// The node restore jobs a killed daemon left unfinished, from the journals beside each
    /// node's datadir (those ended with `noRollback` are the operator's to decide).
    public func interruptedNodeRestores() -> [(node: String, job: JobID, step: String)] {
        configuration.nodes.flatMap { node -> [(node: String, job: JobID, step: String)] in
            guard let datadir = node.datadir else { return [] }
            return RunbookJournal.unfinished(datadir: datadir, node: node.name).filter { !$0.journal.keptForOperator }.map {
                (node.name, JobID($0.journal.job), $0.journal.step)
            }
        }
    }

    /// The steps a node restore would take, without running any.
    public func nodeRestorePlan(_ request: NodeRestoreRequest) async throws -> [RunbookStep] {
        let node = try node(named: request.node)
        let name = await restoreRepository(request.repository, node: node)
        let repo = try await repositories.repository(name)
        let record = try await repo.findSnapshot(request.backup, node: node.name, kind: .state)
        return NodeRestoreRunbook(
            node: node, request: request, repository: repo, repositoryName: name, identityRestore: identityRestore, catalog: catalog,
            logger: logger
        ).plan(snapshot: record)
    }

    /// Forgets a node's snapshots of a kind beyond the plan's `max` (and keep rules), after a success only.
    func applyRetention(node: NodeConfiguration, kind: JobKind, repositories names: [String]) async throws {
        guard let plan = await plans(node.name, kind) else { return }
        let snapshotKind: SnapshotKind = kind == .identity ? .identity : .state
        for name in names {
            let repo = try await repositories.repository(name)
            let result = try await gate.with(name, exclusive: true) {
                try await retryingWhileLocked {
                    try await repo.forget(policy: plan.retention, node: node.name, kind: snapshotKind, groupByPaths: false)
                }
            }
            let removed = result.groups.reduce(0) { $0 + $1.remove.count }
            if removed > 0 {
                logger.info(
                    "retention forgot snapshots",
                    metadata: ["node": "\(node.name)", "kind": "\(kind)", "repository": "\(name)", "removed": "\(removed)"])
            }
        }
    }

    // MARK: Identity

    func identity(node: NodeConfiguration, progress: any ProgressReporter) async throws -> JobOutcome {
        guard node.identity != nil else {
            throw LifeboatError(.invalidArgument, "node \(node.name) has no identity section to dump")
        }
        guard let identityDump else {
            throw LifeboatError(.unsupported, "identity dumps are not available in this build")
        }
        let names = await repositoryNames(node: node, kind: .identity)
        var snapshot: String?
        for name in names {
            let repo = try await repositories.repository(name)
            let id = try await gate.with(name, exclusive: false) { try await identityDump(node, repo, progress) }
            if snapshot == nil { snapshot = id }
        }
        try await applyRetention(node: node, kind: .identity, repositories: names)
        return JobOutcome(snapshot: snapshot, repositories: names)
    }

    // MARK: Restore, verify, prune

    /// The state backup a restore request names, looked up as its job will (for checks before it is queued).
    public func restoreSnapshot(_ request: RestoreRequest) async throws -> SnapshotRecord {
        let node = try node(named: request.node)
        let repo = try await repositories.repository(await restoreRepository(request.repository, node: node))
        return try await repo.findSnapshot(request.snapshot, node: node.name, kind: .state)
    }

    func restore(_ request: RestoreRequest, progress: any ProgressReporter) async throws -> JobOutcome {
        let node = try node(named: request.node)
        let name = await restoreRepository(request.repository, node: node)
        let repo = try await repositories.repository(name)
        let record = try await repo.findSnapshot(request.snapshot, node: node.name, kind: .state)
        if let entry = request.redis {
            // Not into the directory of the node's own server while it runs: it overwrites the file on shutdown.
            let result = try await gate.with(name, exclusive: false) {
                try await RedisEntryRestore.restore(
                    repository: repo, snapshot: record, entry: entry, directory: request.target, fileName: request.redisFile ?? "dump.rdb",
                    force: request.force, server: RedisEntryRestore.store(of: node, entry: entry), onlyItsDirectory: true)
            }
            progress.report(ProgressEvent(phase: "redis", bytesDone: result.bytes, bytesTotal: result.bytes, filesDone: 1, filesTotal: 1))
            return JobOutcome(
                snapshot: record.id.hex, repositories: [name], message: result.notes.isEmpty ? nil : result.notes.joined(separator: "; "))
        }
        var restoreOptions = RestoreOptions(target: request.target)
        restoreOptions.force = request.force
        let options = restoreOptions
        let result = try await gate.with(name, exclusive: false) {
            try await repo.restore(record, options: options, progress: progress)
        }
        if !result.failures.isEmpty {
            throw LifeboatError(
                .corrupted,
                "\(result.failures.count) file(s) could not be restored: " + result.failures.prefix(3).joined(separator: "; "))
        }
        progress.report(ProgressEvent(phase: "verify", bytesDone: result.bytes, bytesTotal: result.bytes, filesDone: 0, filesTotal: 0))
        let verification = try await repo.verifyRestored(record, target: request.target)
        guard verification.mismatches.isEmpty else {
            throw LifeboatError(
                .corrupted,
                "the restored files do not match the backup: " + verification.mismatches.prefix(3).joined(separator: "; "))
        }
        return JobOutcome(snapshot: record.id.hex, repositories: [name])
    }

    func verify(node: String, repository: String?, progress: any ProgressReporter) async throws -> JobOutcome {
        let nodeConfig = try self.node(named: node)
        let names: [String]
        if let repository { names = [repository] } else { names = await repositoryNames(node: nodeConfig, kind: .backup) }
        for name in names {
            let repo = try await repositories.repository(name)
            let report = try await gate.with(name, exclusive: false) { try await repo.check(readData: true, progress: progress) }
            guard report.errors.isEmpty else {
                throw LifeboatError(
                    .corrupted, "repository \(name) fails its check: " + report.errors.prefix(3).joined(separator: "; "))
            }
        }
        return JobOutcome(repositories: names)
    }

    func prune(repository name: String, progress: any ProgressReporter) async throws -> JobOutcome {
        let repo = try await repositories.repository(name)
        let report = try await gate.with(name, exclusive: true) {
            try await retryingWhileLocked { try await repo.prune(progress: progress) }
        }
        logger.info(
            "pruned", metadata: ["repository": "\(name)", "packs.deleted": "\(report.packsDeleted)", "bytes.freed": "\(report.bytesFreed)"])
        return JobOutcome(repositories: [name])
    }
}
