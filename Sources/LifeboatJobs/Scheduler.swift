import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import Logging

/// The time source of the scheduler, replaceable in tests.
public protocol DaemonClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Sleeps until `date` (or until cancelled).
    func sleep(until date: Date) async throws
}

/// The wall clock.
public struct SystemClock: DaemonClock {
    /// Creates one.
    public init() {}
    /// `Date()`.
    public func now() -> Date { Date() }
    /// `Task.sleep` for the time left.
    public func sleep(until date: Date) async throws {
        let seconds = date.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) }
    }
}

/// Starts scheduled jobs: each node's `backup` and `identity` plans, and a prune of every
/// repository on the `prune_every` cadence. Its memory (last and next run, pauses, plans
/// set through the API) lives in the catalog, so a restart continues where it stopped.
public actor Scheduler {
    let configuration: LifeboatConfiguration
    let catalog: Catalog
    let runner: JobRunner
    let clock: any DaemonClock
    let logger: Logger
    /// Schedules already looked at since start (missed runs are caught up once).
    private var started: Set<String> = []
    private var pruneNext: Date?
    /// The catalog's schedule states as last read or written here, by `node/kind` (nil: none
    /// stored). This scheduler is their only writer, so a tick reads none of them from the
    /// catalog: with 500 nodes it would otherwise read 1,000 rows every second.
    private var states: [String: ScheduleState?] = [:]

    /// Creates a scheduler.
    public init(configuration: LifeboatConfiguration, catalog: Catalog, runner: JobRunner, clock: any DaemonClock, logger: Logger) {
        self.configuration = configuration
        self.catalog = catalog
        self.runner = runner
        self.clock = clock
        self.logger = logger
    }

    /// The kinds of jobs a node schedules.
    public static let scheduledKinds: [JobKind] = [.backup, .identity]

    /// The kinds one node schedules: ``scheduledKinds``, and `drill` when it has a `drills:` section.
    public static func scheduledKinds(of node: NodeConfiguration) -> [JobKind] {
        scheduledKinds + (node.drills == nil ? [] : [.drill])
    }

    /// A schedule's catalog state, read once and then kept.
    private func storedState(node: String, kind: JobKind) async throws -> ScheduleState? {
        let key = "\(node)/\(kind)"
        if let known = states[key] { return known }
        let state = try await catalog.scheduleState(node: node, kind: kind)
        states[key] = .some(state)
        return state
    }

    /// Writes a schedule's state to the catalog and keeps it.
    private func store(_ state: ScheduleState) async throws {
        try await catalog.setScheduleState(state)
        states["\(state.node)/\(state.kind)"] = .some(state)
    }

    /// Writes a schedule's run times to the catalog and keeps them.
    private func storeRunTimes(_ state: ScheduleState) async throws {
        try await catalog.setScheduleRunTimes(node: state.node, kind: state.kind, lastRun: state.lastRun, nextRun: state.nextRun)
        states["\(state.node)/\(state.kind)"] = .some(state)
    }

    /// The schedule in force for a node and kind, with its catalog state.
    public func schedule(node: String, kind: JobKind) async throws -> EffectiveSchedule {
        guard let nodeConfig = configuration.node(named: node) else {
            throw LifeboatError(.notFound, "no node named \"\(node)\" in the configuration")
        }
        let state = try await storedState(node: node, kind: kind)
        var plan = nodeConfig.configuredPlan(kind)
        var origin = plan == nil ? "none" : "config"
        if let text = state?.plan {
            plan = try? BackupPlan.fromCatalogJSON(text)
            origin = "api"
        }
        if state?.deleted == true {
            plan = nil
            origin = "deleted"
        }
        let paused = state?.paused ?? plan?.paused ?? false
        return EffectiveSchedule(
            node: node, kind: kind, plan: plan, paused: paused || (plan?.paused ?? false), origin: origin,
            lastRun: state?.lastRun, nextRun: plan == nil || paused ? nil : state?.nextRun)
    }

    /// The plan in force (nil when none or deleted).
    public func plan(node: String, kind: JobKind) async -> BackupPlan? {
        try? await schedule(node: node, kind: kind).plan
    }

    /// Replaces (or creates) a schedule; the next run is computed from now.
    public func setPlan(_ plan: BackupPlan, node: String, kind: JobKind) async throws -> EffectiveSchedule {
        var state = try await storedState(node: node, kind: kind) ?? ScheduleState(node: node, kind: kind)
        state.plan = try plan.catalogJSON()
        state.deleted = false
        state.paused = plan.paused
        state.nextRun = plan.schedule.next(after: clock.now())
        try await store(state)
        return try await schedule(node: node, kind: kind)
    }

    /// Deletes a schedule: it starts nothing until created again.
    public func deletePlan(node: String, kind: JobKind) async throws {
        var state = try await storedState(node: node, kind: kind) ?? ScheduleState(node: node, kind: kind)
        state.plan = nil
        state.deleted = true
        state.nextRun = nil
        try await store(state)
    }

    /// Pauses or resumes a schedule; resuming computes the next run from now.
    public func setPaused(_ paused: Bool, node: String, kind: JobKind) async throws -> EffectiveSchedule {
        let current = try await schedule(node: node, kind: kind)
        guard let plan = current.plan else {
            throw LifeboatError(.notFound, "node \(node) has no \(kind) schedule to \(paused ? "pause" : "resume")")
        }
        var state = try await storedState(node: node, kind: kind) ?? ScheduleState(node: node, kind: kind)
        state.paused = paused
        if current.origin == "api" {
            var updated = plan
            updated.paused = paused
            state.plan = try updated.catalogJSON()
        }
        state.nextRun = paused ? nil : plan.schedule.next(after: clock.now())
        try await store(state)
        return try await schedule(node: node, kind: kind)
    }

    /// Starts what is due at `now`; returns the jobs it submitted. The run loop calls this;
    /// tests call it with their own times.
    @discardableResult
    public func tick(now: Date) async -> [Job] {
        var submitted: [Job] = []
        for node in configuration.nodes {
            for kind in Self.scheduledKinds(of: node) {
                if let job = await tick(node: node, kind: kind, now: now) { submitted.append(job) }
            }
        }
        if let job = await tickPrune(now: now) { submitted.append(job) }
        return submitted
    }

    private func tick(node: NodeConfiguration, kind: JobKind, now: Date) async -> Job? {
        let key = "\(node.name)/\(kind)"
        do {
            let current = try await schedule(node: node.name, kind: kind)
            guard let plan = current.plan, !current.paused else { return nil }
            var state = try await storedState(node: node.name, kind: kind) ?? ScheduleState(node: node.name, kind: kind)
            let firstLook = started.insert(key).inserted
            guard let due = state.nextRun else {
                state.nextRun = plan.schedule.next(after: now)
                try await storeRunTimes(state)
                return nil
            }
            guard due <= now else { return nil }
            // A run missed while the daemon was down is caught up once at start, if configured.
            let missed = firstLook && now.timeIntervalSince(due) > 1
            state.nextRun = plan.schedule.next(after: now)
            if missed && !configuration.jobs.runMissedAtStart {
                try await storeRunTimes(state)
                logger.info("skipping a run missed while down", metadata: ["node": "\(node.name)", "kind": "\(kind)"])
                return nil
            }
            state.lastRun = now
            try await storeRunTimes(state)
            if await runner.hasActiveJob(node: node.name, kind: kind) { return nil }
            let request: JobRequest =
                switch kind {
                case .identity: .identity(node: node.name)
                case .drill: .drill(node: node.name)
                default: .backup(node: node.name)
                }
            let detail = missed ? "missed run of \(ISO8601.format(due))" : "due \(ISO8601.format(due))"
            return try await runner.submit(request, trigger: .schedule, detail: detail)
        } catch {
            logger.error("scheduling failed", metadata: ["schedule": "\(key)", "error": "\(error)"])
            return nil
        }
    }

    private func tickPrune(now: Date) async -> Job? {
        let every = configuration.jobs.pruneEvery.seconds
        guard let next = pruneNext else {
            pruneNext = now.addingTimeInterval(every)
            return nil
        }
        guard next <= now else { return nil }
        pruneNext = now.addingTimeInterval(every)
        var last: Job?
        for repository in configuration.repositories {
            last = try? await runner.submit(
                .prune(repository: repository.name), trigger: .schedule, detail: "every \(configuration.jobs.pruneEvery)")
        }
        return last
    }

    /// The earliest next run of any schedule, for the run loop's sleep.
    func earliestNextRun() async -> Date? {
        let known = states.values.compactMap { $0 }
        return ([pruneNext] + known.filter { !$0.paused && !$0.deleted }.map(\.nextRun)).compactMap { $0 }.min()
    }

    /// Ticks until cancelled, sleeping until the next due time (at most a second, so that
    /// schedules changed through the API are picked up quickly).
    public func run() async {
        while !Task.isCancelled {
            let now = clock.now()
            await tick(now: now)
            let next = await earliestNextRun() ?? now.addingTimeInterval(1)
            let wake = min(max(next, now.addingTimeInterval(0.05)), now.addingTimeInterval(1))
            do { try await clock.sleep(until: wake) } catch { return }
        }
    }
}
