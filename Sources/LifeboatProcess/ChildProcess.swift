import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A running child process with pipes to its stdin and stdout and its stderr collected.
///
/// The child runs in its own process group, so ``kill()`` also ends anything it started.
public final class ChildProcess: Sendable {
    /// The process id.
    public let pid: pid_t
    /// The read end of the child's stdout, or -1 when stdout was not piped.
    public let stdout: Int32
    /// The write end of the child's stdin, or -1 when stdin was not piped.
    public let stdin: Int32
    /// The program's name, for messages.
    public let name: String
    private let errors: StderrCollector
    private let exit = Mutex<Int32?>(nil)
    private let closed = Mutex<(stdin: Bool, stdout: Bool)>((false, false))

    /// Lifeboat's own secrets, never inherited by a child (a command may still set them).
    static let withheld: Set<String> = [
        "LIFEBOAT_PASSWORD", "LIFEBOAT_FROM_PASSWORD", "LIFEBOAT_TO_PASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    ]

    /// The most stderr kept: the last bytes, which say why a program failed.
    static let stderrLimit = 16 << 10

    /// Starts `command`; stdin and stdout are pipes when asked, `/dev/null` otherwise (stdin:
    /// the file `stdinFile` when given).
    public init(_ command: Command, pipeStdin: Bool = false, pipeStdout: Bool = true, stdinFile: String? = nil) throws {
        BrokenPipe.ignore()
        let path = try command.resolvedExecutable()
        name = command.name
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        func closeAll() { for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) } }
        var created = makePipe(&errPipe)
        if created && pipeStdin { created = makePipe(&inPipe) }
        if created && pipeStdout { created = makePipe(&outPipe) }
        guard created else {
            let reason = String(cString: strerror(errno))
            closeAll()
            throw LifeboatError(.io, "cannot create pipes for \(command.name): \(reason)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if pipeStdin {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        } else if let stdinFile {
            posix_spawn_file_actions_addopen(&actions, 0, stdinFile, O_RDONLY, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if pipeStdout {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Nothing else of Lifeboat's (its listening socket, repository files) reaches the child.
        SpawnCloseFrom.add(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let inherited = ProcessInfo.processInfo.environment.filter { !Self.withheld.contains($0.key) }
        let env = inherited.merging(command.environment) { _, new in new }
        let argv = ([path] + command.arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            closeAll()
            throw LifeboatError(.io, "cannot start \(command.name): \(String(cString: strerror(rc)))")
        }
        pid = child
        if pipeStdin { close(inPipe[0]) }
        if pipeStdout { close(outPipe[1]) }
        close(errPipe[1])
        stdin = inPipe[1]
        stdout = outPipe[0]
        errors = StderrCollector(fd: errPipe[0], limit: Self.stderrLimit)
    }

    /// Closes the parent's end of stdin, so the child sees end of input.
    public func closeStdin() {
        let first = closed.withLock { c in
            defer { c.stdin = true }
            return !c.stdin
        }
        if first && stdin >= 0 { close(stdin) }
    }

    /// Closes the parent's end of stdout (once; later calls do nothing).
    public func closeStdout() {
        let first = closed.withLock { c in
            defer { c.stdout = true }
            return !c.stdout
        }
        if first && stdout >= 0 { close(stdout) }
    }

    /// Sends SIGKILL to the child's process group.
    public func kill() {
        if exit.withLock({ $0 }) == nil { Glibc.kill(-pid, SIGKILL) }
    }

    /// Waits for the child to exit and returns its raw wait status.
    public func wait() async -> Int32 {
        if let status = exit.withLock({ $0 }) { return status }
        let pid = self.pid
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        exit.withLock { $0 = status }
        errors.waitForEnd()
        return status
    }

    /// The last of what the child wrote to stderr, trimmed to a few lines.
    public func stderrSummary(lines: Int = 6) -> String {
        let text = String(decoding: errors.bytes(), as: UTF8.self)
        let kept = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines)
        return kept.joined(separator: " / ").trimmingCharacters(in: .whitespaces)
    }

    /// Writes bytes to the child's stdin (EPIPE, not SIGPIPE, when it stopped reading).
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try DescriptorWrite.writeAll(stdin, $0, path: "the stdin of \(name)") }
    }

    /// Reads the child's stdout to its end on a thread of its own, then closes it.
    public func readStdoutToEnd() async -> [UInt8] {
        let fd = stdout
        let bytes: [UInt8] = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var out: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    out += buffer[0..<n]
                }
                continuation.resume(returning: out)
            }
        }
        closeStdout()
        return bytes
    }

    /// Blocks until the child closed its stderr (normally: it exited), at most a few seconds.
    public func waitForStderrEnd() { errors.waitForEnd() }

    /// Everything kept of stderr (the last ``stderrLimit`` bytes).
    public func stderrText() -> String { String(decoding: errors.bytes(), as: UTF8.self) }

    /// Waits for the child and throws unless it exited with status 0; the error quotes its stderr.
    public func checkSuccess(_ what: String) async throws {
        let status = await wait()
        if let problem = Self.describe(status: status) {
            let detail = stderrSummary()
            throw LifeboatError(.io, "\(what): \(name) \(problem)\(detail.isEmpty ? "" : ": \(detail)")")
        }
    }

    /// The exit code of a raw wait status, 128+N for signal N (WIFEXITED/WEXITSTATUS are
    /// macros Swift cannot import).
    public static func exitCode(status: Int32) -> Int32 {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Nil for a clean exit, else "exited with status N" or "was killed by signal N".
    public static func describe(status: Int32) -> String? {
        let signal = status & 0x7f
        if signal == 0 {
            let code = (status >> 8) & 0xff
            return code == 0 ? nil : "exited with status \(code)"
        }
        return "was killed by signal \(signal)"
    }
}
