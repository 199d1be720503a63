import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

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
