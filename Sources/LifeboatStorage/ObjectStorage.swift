import Foundation
import LifeboatCore

/// The folders of a repository: every stored object belongs to exactly one.
public enum ObjectKind: String, Sendable, CaseIterable, Codable {
    /// The repository's (encrypted) configuration: one object named `config`.
    case config
    /// Key slots, each wrapping the master key (plaintext JSON).
    case keys
    /// Pack files holding many encrypted chunks.
    case data
    /// Encrypted index files: which pack holds which chunk.
    case index
    /// Encrypted snapshot manifests: the commit points of backups.
    case snapshots
    /// Lock files (plaintext JSON) of running backups and prunes.
    case locks
}

/// The name of one stored object: its kind and a name unique within that kind.
public struct ObjectName: Hashable, Sendable, CustomStringConvertible {
    /// The folder the object lives in.
    public var kind: ObjectKind
    /// The object's name; for content-addressed objects its hex id.
    public var name: String

    /// Creates an object name.
    public init(_ kind: ObjectKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    /// `kind/name`, the form used in messages.
    public var description: String { "\(kind.rawValue)/\(name)" }
}

/// What storage knows of an object without reading it.
public struct ObjectInfo: Hashable, Sendable {
    /// The object's name.
    public var name: ObjectName
    /// Its size in bytes.
    public var size: Int
    /// When it was last written, if the backend knows.
    public var modified: Date?

    /// Creates object information.
    public init(name: ObjectName, size: Int, modified: Date? = nil) {
        self.name = name
        self.size = size
        self.modified = modified
    }
}

/// The narrow protocol every storage backend implements (local directory, S3, …).
///
/// Rules every backend keeps (checked by the shared conformance suite):
/// - `put` is atomic: readers see the whole object or none of it, never a part,
///   even if the process dies mid-write; a completed `put` is durable.
/// - `put` of an existing name replaces it atomically.
/// - `get` and `getRange` of a missing object throw ``LifeboatError`` with code `.notFound`;
///   `stat` returns nil instead.
/// - `delete` of a missing object succeeds (deletes are idempotent).
/// - `list` returns every object of a kind exactly once, in no particular order.
/// - Running out of space throws code `.noSpace` and leaves no partial object behind.
/// - A name that fails ``ObjectName/validate()`` makes every operation throw `.invalidArgument`
///   before it touches storage.
public protocol ObjectStorage: Sendable {
    /// A human-readable location for messages (a path or URL, never credentials).
    var location: String { get }
    /// Stores `data` under `name`, atomically and durably.
    func put(_ name: ObjectName, _ data: Data) async throws
    /// Reads a whole object.
    func get(_ name: ObjectName) async throws -> Data
    /// Reads `length` bytes starting at `offset`; fewer only if the object ends first.
    ///
    /// An `offset` at or past the end yields empty data, not an error.
    func getRange(_ name: ObjectName, offset: Int, length: Int) async throws -> Data
    /// Lists the objects of one kind.
    func list(_ kind: ObjectKind) async throws -> [ObjectInfo]
    /// Deletes an object; succeeds when it is already gone.
    func delete(_ name: ObjectName) async throws
    /// Describes an object, or returns nil when it does not exist.
    func stat(_ name: ObjectName) async throws -> ObjectInfo?
    /// Stores `data` atomically but may return before it is durable; ``flush()`` makes it so.
    ///
    /// Used for packs: a backup writes many, then flushes once before the index that
    /// names them, so waiting for the disk overlaps with chunking instead of stalling it.
    func putUnsynced(_ name: ObjectName, _ data: Data) async throws
    /// Makes every object stored with ``putUnsynced(_:_:)`` durable.
    func flush() async throws
    /// Whether a backup gains from storing one pack while it fills the next: true for
    /// network stores, whose puts wait on round trips; false for a local disk, where a put
    /// is a quick write and a second pack held in memory would only raise the peak.
    var overlapsPuts: Bool { get }
    /// A writer that streams a new `data` object to storage while it is produced and names
    /// it at the end, or nil when the backend takes whole objects only (the default).
    func makeStreamWriter() throws -> (any ObjectStreamWriter)?
}

/// An object written piece by piece as it is produced and named once complete, so a
/// backup's pack goes to disk while it fills instead of being held whole in memory.
///
/// One task uses a writer at a time (it may hand it on to another). Nothing written is
/// visible under any name before ``commit(as:)``; after it, the object is there atomically,
/// like ``ObjectStorage/putUnsynced(_:_:)``, and durable after ``ObjectStorage/flush()``.
public protocol ObjectStreamWriter: AnyObject, Sendable {
    /// Bytes written so far.
    var count: Int { get }
    /// Appends bytes; may wait while earlier pieces are still being written.
    func write(_ bytes: Data) async throws
    /// Completes the object under `name` (a `data` object).
    func commit(as name: ObjectName) async throws
    /// Gives the object up; nothing of it stays behind.
    func abandon() async
}

extension ObjectStorage {
    /// Backends whose `put` is durable on return need nothing more.
    public func putUnsynced(_ name: ObjectName, _ data: Data) async throws { try await put(name, data) }

    /// Nothing to flush when every put is durable.
    public func flush() async throws {}

    /// Stores are remote unless they say otherwise.
    public var overlapsPuts: Bool { true }

    /// Whole objects only, unless a backend says otherwise.
    public func makeStreamWriter() throws -> (any ObjectStreamWriter)? { nil }
}
