import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatProcess

#if canImport(Glibc)
    import Glibc
#endif

/// Stops and starts a node the way its `control:` section says, and waits for it.
struct NodeController: Sendable {
    let node: NodeConfiguration
    var control: NodeControl { node.control ?? NodeControl() }
    var timeout: TimeInterval { control.timeout.seconds }

    /// How the node is stopped, for plans and messages.
    var stopDescription: String {
        if let unit = control.systemdUnit { return "systemctl stop \(unit)" }
        if let command = control.stop { return command }
        if let pidFile = control.pidFile { return "SIGTERM to the PID in \(pidFile)" }
        return "nothing configured: the node must already be stopped"
    }

    /// How the node is started, for plans and messages.
    var startDescription: String? {
        if let unit = control.systemdUnit { return "systemctl start \(unit)" }
        return control.start
    }

    /// Stops the node and waits until no process has a file of its datadir open.
    func stop() async throws {
        if let unit = control.systemdUnit {
            try await Self.shell("systemctl stop \(unit)", what: "stopping \(unit)")
        } else if let command = control.stop {
            try await Self.shell(command, what: "the stop command")
        } else if let pidFile = control.pidFile {
            if let pid = Self.readPID(pidFile), Self.isAlive(pid) {
                kill(pid, SIGTERM)
                try await waitFor("process \(pid) to exit") { !Self.isAlive(pid) }
            }
        }
        if let datadir = node.datadir {
            try await waitFor("the node to release its files in \(datadir)") { Self.processesHolding(datadir).isEmpty }
        }
    }

    /// Starts the node (if a way is configured).
    func start() async throws {
        if let unit = control.systemdUnit {
            try await Self.shell("systemctl start \(unit)", what: "starting \(unit)")
        } else if let command = control.start {
            try await Self.shell(command, what: "the start command")
        } else {
            throw LifeboatError(.invalidArgument, "node \(node.name) has no control.start or control.systemd_unit to start it with")
        }
    }

    /// Polls `condition` every 200 ms until it holds or the timeout passes.
    func waitFor(_ what: String, _ condition: @Sendable () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw LifeboatError(.io, "timed out after \(control.timeout) waiting for \(what)")
    }

    /// Whether a process exists and has not exited (a zombie waiting to be reaped counts as exited).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    static func readPID(_ path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// PIDs of processes with a file under `directory` open (from /proc).
    static func processesHolding(_ directory: String) -> [pid_t] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let fm = FileManager.default
        var found: [pid_t] = []
        for entry in (try? fm.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), pid != getpid() else { continue }
            let fdDir = "/proc/\(entry)/fd"
            for fd in (try? fm.contentsOfDirectory(atPath: fdDir)) ?? [] {
                if let target = try? fm.destinationOfSymbolicLink(atPath: fdDir + "/" + fd), target.hasPrefix(prefix) {
                    found.append(pid)
                    break
                }
            }
        }
        return found
    }

    /// Runs a shell command; a non-zero exit fails with its stderr. The shell gets /dev/null
    /// for input and output and a file for errors (not a pipe), so a start command that leaves
    /// the node running in the background returns at once.
    static func shell(_ command: String, what: String) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-cmd-\(UUID().uuidString).log").path
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // A node started here outlives Lifeboat: it must not keep the daemon's listening socket
        // (the next `lifeboat serve` could not bind) or any other file of the daemon open.
        SpawnCloseFrom.add(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The node must not die with Lifeboat: its own process group, default signal handling.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { text in text.withCString { strdup($0) } } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        guard rc == 0 else {
            throw LifeboatError(.io, "\(what) could not run: \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR {
                throw LifeboatError(.io, "\(what): cannot wait for the shell: \(String(cString: strerror(errno)))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let exited = status & 0x7f == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard code == 0 else {
            let data = FileManager.default.contents(atPath: log) ?? Data()
            let text = String(decoding: data.prefix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw LifeboatError(.io, "\(what) failed with exit status \(code)\(text.isEmpty ? "" : ": \(text)")")
        }
    }
}
