import Foundation
import LifeboatCatalog
import LifeboatCore
import LifeboatRepository
import Logging

/// Runs jobs: one at a time per node (others queue in order), different nodes in parallel
/// up to a limit, every state change recorded in the catalog.
///
/// Jobs run as child tasks of ``run()`` (the daemon runs it as ``JobRunnerService``): a job
/// submitted before it runs waits in its queue.
public actor JobRunner {
    struct Queued: Sendable {
        var id: JobID
        var request: JobRequest
    }

    struct Running {
        var id: JobID
        var kind: JobKind
        /// The work itself, cancelled on cancel or shutdown; the runner's own task stays
        /// uncancelled so it can still record the outcome in the catalog.
        var work: Task<JobOutcome, any Error>?
    }

    let catalog: Catalog
    let executor: JobExecutor
    let maxParallel: Int
    let logger: Logger
    private var queues: [String: [Queued]] = [:]
    private var running: [String: Running] = [:]
    private var accepting = true
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Called when a job finishes (metrics, copies, notifications).
    private var onFinish: (@Sendable (Job) async -> Void)?
    /// Jobs to start, taken by ``run()``; finished by ``shutdown(grace:)``.
    private let starts: AsyncStream<Queued>
    private let startsContinuation: AsyncStream<Queued>.Continuation

    /// Creates a runner.
    public init(catalog: Catalog, executor: JobExecutor, maxParallel: Int, logger: Logger) {
        self.catalog = catalog
        self.executor = executor
        self.maxParallel = max(1, maxParallel)
        self.logger = logger
        (starts, startsContinuation) = AsyncStream.makeStream(of: Queued.self)
    }

    /// Runs each job the runner starts as a child task, until ``shutdown(grace:)`` has
    /// ended and every job has recorded its outcome.
    public func run() async {
        let starts = self.starts
        await withDiscardingTaskGroup { group in
            for await queued in starts {
                group.addTask { await self.execute(queued) }
            }
        }
    }

    /// Sets what runs after each job finishes.
    public func setOnFinish(_ body: @escaping @Sendable (Job) async -> Void) {
        onFinish = body
    }

    /// Records a Pending job and queues it behind the node's other jobs.
    /// - Throws: `.unsupported` once shutdown has begun.
    public func submit(_ request: JobRequest, trigger: JobTrigger, detail: String? = nil) async throws -> Job {
        guard accepting else {
            throw LifeboatError(.unsupported, "the daemon is shutting down and takes no new jobs")
        }
        var target: String?
        if case .restore(let r) = request { target = r.target }
        let job = try await catalog.createJob(
            node: request.node, kind: request.kind, trigger: trigger, triggerDetail: detail, target: target)
        queues[request.node, default: []].append(Queued(id: job.id, request: request))
        logger.info("job queued", metadata: ["job": "\(job.id)", "node": "\(job.node)", "kind": "\(job.kind)"])
        pump()
        return job
    }

    /// Whether a job of `kind` for `node` is queued or running (the scheduler does not pile up runs).
    public func hasActiveJob(node: String, kind: JobKind) -> Bool {
        if running[node]?.kind == kind { return true }
        return queues[node]?.contains { $0.request.kind == kind } ?? false
    }

    /// The number of jobs running now.
    public var runningCount: Int { running.count }

    /// The number of jobs queued or running.
    public var activeCount: Int { running.count + queues.values.reduce(0) { $0 + $1.count } }

    /// Cancels a job: a queued one is dropped, a running one is asked to stop.
    /// - Throws: `.notFound` for an unknown id, `.invalidArgument` for a finished job.
    @discardableResult
    public func cancel(_ id: JobID) async throws -> Job {
        for (node, queue) in queues {
            if let index = queue.firstIndex(where: { $0.id == id }) {
                queues[node]?.remove(at: index)
                return try await catalog.finish(id, state: .cancelled, error: "cancelled before it started")
            }
        }
        if let entry = running.first(where: { $0.value.id == id }) {
            entry.value.work?.cancel()
            guard let job = try await catalog.job(id) else { throw LifeboatError(.notFound, "no job \(id)") }
            return job
        }
        guard let job = try await catalog.job(id) else { throw LifeboatError(.notFound, "no job \(id)") }
        throw LifeboatError(.invalidArgument, "job \(id) already finished as \(job.state); only a Pending or Running job can be cancelled")
    }

    /// Stops taking jobs, cancels the queued ones, gives running ones `grace` to finish and
    /// then cancels them; a cancelled backup never writes its snapshot. ``run()`` returns once
    /// the running jobs have stopped.
    public func shutdown(grace: Duration) async {
        accepting = false
        defer { startsContinuation.finish() }
        for (_, queue) in queues {
            for q in queue { _ = try? await catalog.finish(q.id, state: .cancelled, error: "the daemon stopped before the job started") }
        }
        queues = [:]
        let deadline = ContinuousClock.now + grace
        while !running.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard !running.isEmpty else { return }
        let left = running
        for (_, r) in left {
            r.work?.cancel()
            _ = try? await catalog.finish(
                r.id, state: .cancelled, error: "cancelled: the daemon stopped and the shutdown grace period ran out")
        }
        logger.warning("shutdown grace ran out; running jobs were cancelled", metadata: ["jobs": "\(left.count)"])
    }

    /// Waits until no job is queued or running.
    public func waitUntilIdle() async {
        while !(running.isEmpty && queues.values.allSatisfy(\.isEmpty)) {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
    }

    private func pump() {
        guard accepting else { return }
        for (node, queue) in queues.sorted(by: { ($0.value.first?.id ?? JobID(0)) < ($1.value.first?.id ?? JobID(0)) }) {
            guard running.count < maxParallel else { return }
            guard running[node] == nil, let next = queue.first else { continue }
            queues[node]?.removeFirst()
            running[node] = Running(id: next.id, kind: next.request.kind)
            startsContinuation.yield(next)
        }
    }

    private func execute(_ queued: Queued) async {
        let id = queued.id
        let reporter = CatalogProgress()
        var runbook = false
        if case .nodeRestore = queued.request { runbook = true }
        let keepPhase = runbook
        var final: Job?
        do {
            _ = try await catalog.start(id)
            let flusher = Task { [catalog] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(300))
                    if let e = reporter.take() {
                        try? await catalog.updateProgress(
                            id, phase: keepPhase ? nil : e.phase, bytesDone: max(0, e.bytesDone),
                            bytesTotal: e.bytesTotal > 0 ? max(e.bytesTotal, e.bytesDone) : nil)
                    }
                }
            }
            defer { flusher.cancel() }
            let executor = self.executor
            let catalog = self.catalog
            // On the job threads, off the cooperative pool the API answers on (see JobThreads).
            let work = Task(executorPreference: JobThreads.shared) {
                try await executor.execute(
                    queued.request, job: id, progress: reporter,
                    phase: { [catalog] text in
                        let done = (try? await catalog.job(id))?.bytesDone ?? 0
                        try? await catalog.updateProgress(id, phase: text, bytesDone: done)
                    })
            }
            running[queued.request.node]?.work = work
            let outcome = try await work.value
            if let e = reporter.take() {
                // A runbook's phase names its step; the last progress event must not overwrite it.
                try? await catalog.updateProgress(
                    id, phase: keepPhase ? nil : e.phase, bytesDone: max(0, e.bytesDone),
                    bytesTotal: e.bytesTotal > 0 ? max(e.bytesTotal, e.bytesDone) : nil)
            }
            if work.isCancelled {
                final = try? await catalog.finish(id, state: .cancelled, error: "cancelled")
            } else {
                final = try await catalog.finish(
                    id, state: outcome.state, snapshot: outcome.snapshot, error: outcome.message,
                    repositories: outcome.snapshot == nil ? [] : outcome.repositories)
            }
        } catch {
            let cancelled =
                (running[queued.request.node]?.work?.isCancelled ?? false) || error is CancellationError
                || (error as? LifeboatError)?.code == .cancelled
            let message = (error as? LifeboatError)?.message ?? "\(error)"
            final = try? await catalog.finish(id, state: cancelled ? .cancelled : .failed, error: cancelled ? "cancelled" : message)
            if !cancelled {
                logger.error("job failed", metadata: ["job": "\(id)", "node": "\(queued.request.node)", "error": "\(message)"])
            }
        }
        if final == nil { final = try? await catalog.job(id) }
        if let final {
            logger.info("job finished", metadata: ["job": "\(id)", "state": "\(final.state)"])
            await onFinish?(final)
        }
        finished(node: queued.request.node)
    }

    private func finished(node: String) {
        running[node] = nil
        pump()
        if running.isEmpty && queues.values.allSatisfy(\.isEmpty) {
            let waiting = idleWaiters
            idleWaiters = []
            for w in waiting { w.resume() }
        }
    }
}

/// Keeps the newest progress event for the runner to write to the catalog now and then.
final class CatalogProgress: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var latest: ProgressEvent?

    func report(_ event: ProgressEvent) {
        lock.withLock { latest = event }
    }

    /// The newest event since the last call, if any.
    func take() -> ProgressEvent? {
        lock.withLock {
            defer { latest = nil }
            return latest
        }
    }
}
