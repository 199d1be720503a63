import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// What a short command printed and how it ended.
public struct CommandOutput: Sendable {
    /// Everything written to stdout.
    public var stdout: String
    /// The last of stderr.
    public var stderr: String
    /// Nil when it exited 0, else how it failed ("exited with status 2").
    public var failure: String?
    /// The command's name.
    public var name: String

    /// The last lines of stderr on one line, for messages.
    public var stderrSummary: String {
        stderr.split(separator: "\n", omittingEmptySubsequences: true).suffix(4).joined(separator: " / ")
    }
}

/// Runs short commands (`redis-cli INFO`, `psql -c …`) to completion.
public enum CommandRunner {
    /// Runs `command`, feeding `input` to its stdin, and collects its output.
    public static func run(_ command: Command, input: String? = nil) async throws -> CommandOutput {
        let child = try ChildProcess(command, pipeStdin: input != nil, pipeStdout: true)
        if let input {
            // A command that exits without reading its input reports why through its status.
            try? child.write(Array(input.utf8))
            child.closeStdin()
        }
        let bytes = await child.readStdoutToEnd()
        let status = await child.wait()
        return CommandOutput(
            stdout: String(decoding: bytes, as: UTF8.self), stderr: child.stderrText(), failure: ChildProcess.describe(status: status),
            name: child.name)
    }

    /// Runs `command` with the file at `inputFile` as its stdin (read by the child itself, so
    /// a large dump never passes through memory), and collects its output.
    public static func run(_ command: Command, inputFile: String) async throws -> CommandOutput {
        guard access(inputFile, R_OK) == 0 else {
            throw LifeboatError(.io, "cannot read \(inputFile) for \(command.name): \(String(cString: strerror(errno)))")
        }
        let child = try ChildProcess(command, pipeStdin: false, pipeStdout: true, stdinFile: inputFile)
        let bytes = await child.readStdoutToEnd()
        let status = await child.wait()
        return CommandOutput(
            stdout: String(decoding: bytes, as: UTF8.self), stderr: child.stderrText(), failure: ChildProcess.describe(status: status),
            name: child.name)
    }
}
