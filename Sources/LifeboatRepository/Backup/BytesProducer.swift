import Foundation
import LifeboatCore
import LifeboatProcess
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

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
            bytes.withUnsafeBytes { buf in _ = try? DescriptorWrite.writeAll(writeEnd, buf, path: "pipe") }
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
