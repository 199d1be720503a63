import AsyncHTTPClient
import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatRepository
import Logging

/// Everything `lifeboat serve` runs: the catalog, the repositories, the job runner and the
/// scheduler, for the API, the metrics and the console to look at.
public final class Daemon: Sendable {
    /// The configuration it was started with.
    public let configuration: LifeboatConfiguration
    /// The job history.
    public let catalog: Catalog
    /// The repositories, opened on first use.
    public let repositories: RepositoryPool
    /// Runs jobs.
    public let runner: JobRunner
    /// Starts scheduled jobs.
    public let scheduler: Scheduler
    /// Does the work of jobs (and plans node restores).
    public let executor: JobExecutor
    /// The scheduler's clock.
    public let clock: any DaemonClock
    /// The daemon's logger.
    public let logger: Logger
    /// When it started.
    public let startedAt: Date
    /// Repository sizes measured after jobs, for metrics.
    package let sizes = RepositorySizes()
    /// How many finished jobs have had their repositories' sizes measured: the API's cached
    /// metrics recompute when it moves (the catalog counts the finishes themselves).
    package let finishedJobs = JobCounter()

    /// Opens the catalog (settling jobs a crash left Running) and wires the parts together.
    public init(
        configuration: LifeboatConfiguration, environment: [String: String], clock: any DaemonClock = SystemClock(),
        identityDump: IdentityDumpFunction? = Daemon.defaultIdentityDump,
        identityRestore: IdentityRestoreFunction? = Daemon.defaultIdentityRestore,
        logger: Logger
    ) async throws {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        startedAt = clock.now()
        catalog = try Catalog(path: configuration.catalog)
        let settled = try await catalog.markInterruptedRunningJobs()
        if settled > 0 { logger.warning("jobs interrupted by the last stop were marked Failed", metadata: ["jobs": "\(settled)"]) }
        repositories = RepositoryPool(configuration.repositories, environment: environment, logger: logger)
        let gate = RepositoryGate()
        let box = SchedulerBox()
        let executor = JobExecutor(
            configuration: configuration, repositories: repositories, gate: gate,
            plans: { node, kind in await box.scheduler?.plan(node: node, kind: kind) }, identityDump: identityDump,
            identityRestore: identityRestore, catalog: catalog, logger: logger)
        self.executor = executor
        runner = JobRunner(catalog: catalog, executor: executor, maxParallel: configuration.jobs.maxParallel, logger: logger)
        scheduler = Scheduler(configuration: configuration, catalog: catalog, runner: runner, clock: clock, logger: logger)
        await box.set(scheduler)
        // A node restore a kill interrupted is finished or rolled back before anything else runs on the node.
        for interrupted in executor.interruptedNodeRestores() {
            let job = try await runner.submit(
                .recover(node: interrupted.node, job: interrupted.job), trigger: .recovery,
                detail: "restore job \(interrupted.job) stopped in step \(interrupted.step)")
            logger.warning(
                "a node restore was interrupted; finishing or rolling it back",
                metadata: [
                    "node": "\(interrupted.node)", "job": "\(interrupted.job)", "step": "\(interrupted.step)", "recovery": "\(job.id)",
                ])
        }
        let sizes = self.sizes
        let repositories = self.repositories
        let finishedJobs = self.finishedJobs
        await runner.setOnFinish { job in
            for name in job.repositories {
                if let repo = try? await repositories.repository(name), let bytes = try? await repo.storedBytes() {
                    await sizes.set(name, bytes)
                }
            }
            finishedJobs.increment()
        }
    }

    /// Opens every configured repository (initialising missing ones when asked), so that a
    /// wrong password or unreachable endpoint shows at start rather than at the first run.
    public func openRepositories(create: Bool) async throws {
        for rc in configuration.repositories {
            let repo = try await repositories.repository(rc.name, create: create)
            if let bytes = try? await repo.storedBytes() { await sizes.set(rc.name, bytes) }
        }
    }
}

extension Daemon {
    /// Identity dumps: fetch, validate, encrypt to the node's recipients, store.
    public static let defaultIdentityDump: IdentityDumpFunction = { node, repository, _ in
        try await IdentityDumper(node: node, logger: Logger(label: "lifeboat.identity")).dump(into: repository).snapshotID
    }

    /// Key restore from an identity dump during a node restore.
    public static let defaultIdentityRestore: IdentityRestoreFunction = { node, repository, dump, identityFile in
        let summary = try await IdentityRestorer(node: node, logger: Logger(label: "lifeboat.identity")).restore(
            dump, from: repository, identityFile: identityFile, force: true)
        return
            "keys from \(dump) into \(summary.target): \(summary.written.count) written, \(summary.unchanged.count) unchanged, \(summary.replaced.count) replaced"
    }
}

/// Lets the executor reach the scheduler that is created after it.
actor SchedulerBox {
    var scheduler: Scheduler?
    func set(_ s: Scheduler) { scheduler = s }
}

/// A count read and bumped from any thread.
package final class JobCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    /// The count now.
    package var value: Int { lock.withLock { count } }

    /// Adds one.
    package func increment() { lock.withLock { count += 1 } }
}

/// Stored bytes per repository, as last measured.
package actor RepositorySizes {
    package private(set) var bytes: [String: Int64] = [:]
    func set(_ name: String, _ value: Int64) { bytes[name] = value }
}
