import Foundation
import LifeboatCore
import LifeboatProcess
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Streams a command's stdout; the command failing fails the backup, with its stderr.
public struct CommandProducer: StreamProducer {
    /// The command to run.
    public var command: Command

    /// Creates a producer for `command`.
    public init(_ command: Command) { self.command = command }

    /// Starts the command with stdout on a pipe.
    public func start() async throws -> any ProducedStream { CommandStream(child: try ChildProcess(command)) }
}

/// The stdout of a running command.
final class CommandStream: ProducedStream {
    let child: ChildProcess

    init(child: ChildProcess) { self.child = child }

    var fd: Int32 { child.stdout }

    func finish() async throws {
        defer { child.closeStdout() }
        try await child.checkSuccess("streaming the output of \(child.name) failed")
    }

    func cancel() async {
        child.kill()
        _ = await child.wait()
        child.closeStdout()
    }
}
