import Foundation
import Hummingbird
import LifeboatCore
import LifeboatJobs
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the daemon: the HTTP server, the job runner and the scheduler as services of one
/// `ServiceGroup`, until SIGTERM or SIGINT. On the
/// signal it takes no new jobs, gives running ones the shutdown grace to finish and then
/// cancels them; the API keeps answering meanwhile.
public enum DaemonServer {
    /// Serves until a shutdown signal; `onListening` receives the bound port (useful with port 0).
    public static func run(
        _ daemon: Daemon, signals: [UnixSignal] = [.sigterm, .sigint], onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let listen = daemon.configuration.listen
        let app = Application(
            router: MethodCheckedRouter(APIRouter.build(daemon)),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "lifeboat"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? listen.port) },
            logger: daemon.logger)
        // Shut down in reverse order: the scheduler stops first, then the runner gives running
        // jobs their grace, and the HTTP server keeps answering until both are done.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: app), .init(service: JobRunnerService(daemon: daemon)), .init(service: SchedulerService(daemon: daemon)),
                ],
                gracefulShutdownSignals: signals, logger: daemon.logger))
        try await group.run()
        try? daemon.catalog.close()
    }
}
