import LifeboatCore
import Logging
import ServiceLifecycle

/// The job runner as a service: runs jobs as its child tasks; on graceful shutdown it takes
/// no new jobs, gives running ones the configured shutdown grace and then cancels them.
public struct JobRunnerService: Service {
    let daemon: Daemon

    /// The service for `daemon`'s runner.
    public init(daemon: Daemon) { self.daemon = daemon }

    /// Runs until graceful shutdown (or cancellation) and the running jobs have stopped.
    public func run() async throws {
        let runner = daemon.runner
        await withDiscardingTaskGroup { group in
            group.addTask { await runner.run() }
            try? await gracefulShutdown()
            let grace = daemon.configuration.jobs.shutdownGrace
            daemon.logger.notice("shutting down: no new jobs", metadata: ["grace": "\(grace)"])
            await runner.shutdown(grace: .milliseconds(Int64(grace.seconds * 1000)))
        }
    }
}

/// The scheduler as a service: ticks until graceful shutdown.
public struct SchedulerService: Service {
    let daemon: Daemon

    /// The service for `daemon`'s scheduler.
    public init(daemon: Daemon) { self.daemon = daemon }

    /// Starts due jobs until graceful shutdown.
    public func run() async throws {
        let scheduler = daemon.scheduler
        await cancelWhenGracefulShutdown { await scheduler.run() }
    }
}
