import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A backup entry whose bytes come from a producer — a command's stdout such as
/// `pg_dump --format=custom`, or bytes in memory — instead of a file on disk.
///
/// The bytes are chunked content-defined as they arrive, never staged on disk; the
/// file node records their size and SHA-256 like any file's. If the producer fails
/// (a command exits non-zero or is killed) the backup fails and writes no snapshot.
///
/// ```swift
/// var options = BackupOptions()
/// options.streams = [StreamEntry(path: "postgres/validator.dump",
///                                producer: CommandProducer(Command("pg_dump", ["--format=custom", "--dbname=" + url])))]
/// ```
public struct StreamEntry: Sendable {
    /// Where the entry goes in the snapshot, relative to its root (e.g. `redis/dump.rdb`);
    /// directories in between are created in the tree.
    public var path: String
    /// Permission bits of the restored file.
    public var mode: UInt32
    /// What produces the bytes; started when the archiver reaches this entry.
    public var producer: any StreamProducer

    /// Creates an entry.
    public init(path: String, mode: UInt32 = 0o600, producer: any StreamProducer) {
        self.path = path
        self.mode = mode
        self.producer = producer
    }

    /// The path's components, or an `.invalidArgument` error for an absolute or unsafe path.
    func components() throws -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !path.hasPrefix("/"), !parts.isEmpty, parts.allSatisfy(Restorer.safeName) else {
            throw LifeboatError(
                .invalidArgument, "streamed entry path \"\(path)\" must be relative, like redis/dump.rdb, without empty, . or .. parts")
        }
        return parts
    }
}

/// Something that yields bytes on a file descriptor for a ``StreamEntry``.
public protocol StreamProducer: Sendable {
    /// Starts producing; the archiver reads the stream's descriptor to its end.
    func start() async throws -> any ProducedStream
}

/// A producer's running output.
public protocol ProducedStream: Sendable {
    /// The descriptor to read (a pipe); read with `read(2)`, not `pread`.
    var fd: Int32 { get }
    /// Called once the descriptor reached its end: waits for the producer and throws if
    /// it failed, so the backup fails instead of storing truncated data.
    func finish() async throws
    /// Called when the backup fails early: stops the producer and releases the descriptor.
    func cancel() async
}

/// Streams a command's stdout; the command failing fails the backup, with its stderr.
public struct CommandProducer: StreamProducer {
    /// The command to run.
    public var command: Command

    /// Creates a producer for `command`.
    public init(_ command: Command) { self.command = command }

    /// Starts the command with stdout on a pipe.
    public func start() async throws -> any ProducedStream { CommandOutput(child: try ChildProcess(command)) }
}

/// The stdout of a running command.
final class CommandOutput: ProducedStream {
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

/// Streams bytes held in memory (small manifests written beside a dump).
public struct BytesProducer: StreamProducer {
    /// The bytes.
    public var bytes: [UInt8]

    /// Creates a producer of `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Writes the bytes into a pipe from a thread of its own.
    public func start() async throws -> any ProducedStream {
        BrokenPipe.ignore()
        var fds: [Int32] = [-1, -1]
        guard makePipe(&fds) else {
            throw LifeboatError(.io, "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let output = PipeOutput(fd: fds[0])
        let bytes = self.bytes
        let writeEnd = fds[1]
        Thread.detachNewThread {
            bytes.withUnsafeBytes { buf in _ = try? Restorer.writeAll(writeEnd, buf, path: "pipe") }
            close(writeEnd)
        }
        return output
    }
}

/// The read end of a pipe fed by a thread.
final class PipeOutput: ProducedStream {
    let fd: Int32
    private let closed = Mutex(false)

    init(fd: Int32) { self.fd = fd }

    private func closeOnce() {
        if closed.withLock({ c in
            defer { c = true }
            return !c
        }) {
            close(fd)
        }
    }

    func finish() async throws { closeOnce() }

    func cancel() async { closeOnce() }
}
