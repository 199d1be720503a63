import Foundation
import LifeboatConfig
import LifeboatCore

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
            if let pid = Self.readPID(pidFile), kill(pid, 0) == 0 {
                kill(pid, SIGTERM)
                try await waitFor("process \(pid) to exit") { kill(pid, 0) != 0 }
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

    /// Runs a shell command; a non-zero exit fails with its stderr. Output goes to a file,
    /// not a pipe, so a start command that leaves the node running in the background returns.
    static func shell(_ command: String, what: String) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-cmd-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil, attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(at: log) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = try FileHandle(forWritingTo: log)
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw LifeboatError(.io, "\(what) could not run: \(error.localizedDescription)")
        }
        try? errors.close()
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        guard process.terminationStatus == 0 else {
            let data = (try? Data(contentsOf: log)) ?? Data()
            let text = String(decoding: data.prefix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw LifeboatError(.io, "\(what) failed with exit status \(process.terminationStatus)\(text.isEmpty ? "" : ": \(text)")")
        }
    }
}
