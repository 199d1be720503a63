import Foundation
import LifeboatCore
import LifeboatRepository

#if canImport(Glibc)
    import Glibc
#endif

/// What a short command printed and how it ended.
struct CommandOutput: Sendable {
    /// Everything written to stdout.
    var stdout: String
    /// The last of stderr.
    var stderr: String
    /// Nil when it exited 0, else how it failed ("exited with status 2").
    var failure: String?
    /// The command's name.
    var name: String

    /// The last lines of stderr on one line, for messages.
    var stderrSummary: String {
        stderr.split(separator: "\n", omittingEmptySubsequences: true).suffix(4).joined(separator: " / ")
    }
}

/// Runs short commands (`redis-cli INFO`, `psql -c …`) to completion.
enum CommandRunner {
    /// Runs `command`, feeding `input` to its stdin, and collects its output.
    static func run(_ command: Command, input: String? = nil) async throws -> CommandOutput {
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

    /// The first line of a file (a password file), or a clear error.
    static func firstLine(ofFile path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LifeboatError(
                .invalidArgument,
                "cannot read the \(what) \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
        }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let trimmed = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        guard !trimmed.isEmpty else { throw LifeboatError(.invalidArgument, "the \(what) \(path) is empty") }
        return trimmed
    }
}
