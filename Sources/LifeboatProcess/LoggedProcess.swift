import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Long-running processes whose output goes to a log file (servers a test starts, the demo
/// node): started, watched and stopped without Foundation's `Process`.
///
/// `Process` passes on the spawning thread's signal mask, and dispatch worker threads block
/// SIGTERM: a child started that way may never see a polite stop. These spawn with an empty
/// mask and default signal handlers. For a child whose stdout is read, see ``ChildProcess``.
public enum LoggedProcess {
    /// Starts `arguments[0]` (a path, or a name found on PATH) with stdout and stderr appended to
    /// `output`, and stdin from `input` (or /dev/null).
    public static func spawn(_ arguments: [String], environment: [String: String], output: String, input: Int32? = nil) throws -> pid_t {
        #if canImport(Glibc)
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #else
            var actions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var processID = pid_t()
        let result = posix_spawnp(&processID, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw LifeboatError(.io, "could not run \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return processID
    }

    /// The exit status once the child has ended (and is reaped), nil while it runs; 128+N for signal N.
    public static func exitStatus(_ processID: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(processID, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 { return -1 }  // already reaped
        return decode(status)
    }

    /// Sends `signal`, waits up to `grace` seconds, then SIGKILL; reaps the child and returns its status.
    @discardableResult
    public static func stop(_ processID: pid_t, signal: Int32 = SIGTERM, grace: TimeInterval) -> Int32 {
        if let status = exitStatus(processID) { return status }
        kill(processID, signal)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if let status = exitStatus(processID) { return status }
            usleep(10_000)
        }
        kill(processID, SIGKILL)
        var status: Int32 = 0
        guard waitpid(processID, &status, 0) == processID else { return -1 }
        return decode(status)
    }

    private static func decode(_ status: Int32) -> Int32 { ChildProcess.exitCode(status: status) }
}
