import Foundation
import LifeboatCore
import LifeboatProcess
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
