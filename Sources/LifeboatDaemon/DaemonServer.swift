import Foundation
import Hummingbird
import LifeboatCore
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the daemon: the HTTP server and the scheduler, until SIGTERM or SIGINT. On the
/// signal it takes no new jobs, gives running ones the shutdown grace to finish and then
/// cancels them; the API keeps answering meanwhile.
public enum DaemonServer {
    /// Serves until a shutdown signal; `onListening` receives the bound port (useful with port 0).
    public static func run(
        _ daemon: Daemon, signals: [UnixSignal] = [.sigterm, .sigint], onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let listen = daemon.configuration.listen
        let app = Application(
            router: APIRouter.build(daemon),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "lifeboat"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? listen.port) },
            logger: daemon.logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: SchedulerService(daemon: daemon))],
                gracefulShutdownSignals: signals, logger: daemon.logger))
        try await group.run()
        try? daemon.catalog.close()
    }
}

/// The scheduler and runner as a service of the group.
struct SchedulerService: Service {
    let daemon: Daemon

    func run() async throws {
        let scheduler = daemon.scheduler
        let loop = Task { await scheduler.run() }
        try? await gracefulShutdown()
        loop.cancel()
        let grace = daemon.configuration.jobs.shutdownGrace
        daemon.logger.notice("shutting down: no new jobs", metadata: ["grace": "\(grace)"])
        await daemon.runner.shutdown(grace: .milliseconds(Int64(grace.seconds * 1000)))
    }
}

/// One daemon per catalog: an exclusive `flock` on `CATALOG.lock`, held for the process's life.
public final class InstanceLock: Sendable {
    let fd: Int32

    /// Takes the lock or explains who has it.
    public init(catalog: String) throws {
        let path = catalog + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LifeboatError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw LifeboatError(.locked, "another lifeboat serve is using catalog \(catalog) (lock \(path) is held)")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
    }

    deinit { close(fd) }
}
