import Foundation
import LifeboatCore
import LifeboatStorage

/// An ``ObjectStorage`` wrapper that injects failures, for testing how callers cope.
///
/// It can simulate a full disk (puts fail with `.noSpace` once they would take the
/// bytes written past a limit), fail chosen calls of an operation with `.io`, and
/// count calls per operation. A failing call never reaches the wrapped storage, so
/// nothing partial is left behind — the same promise a real backend makes.
///
/// ```swift
/// let storage = FaultyStorage(wrapping: local, byteLimit: 1 << 20)
/// storage.failCall(2, of: .get)   // the second get throws .io
/// ```
///
/// It is a stand-in only for faults the real backends cannot be made to produce on demand.
public final class FaultyStorage: ObjectStorage, @unchecked Sendable {
    /// The storage operations that can be counted and failed.
    public enum Operation: String, Sendable, CaseIterable, CustomStringConvertible {
        /// ``ObjectStorage/put(_:_:)``.
        case put
        /// ``ObjectStorage/get(_:)``.
        case get
        /// ``ObjectStorage/getRange(_:offset:length:)``.
        case getRange
        /// ``ObjectStorage/list(_:)``.
        case list
        /// ``ObjectStorage/delete(_:)``.
        case delete
        /// ``ObjectStorage/stat(_:)``.
        case stat

        /// The operation's name, for messages.
        public var description: String { rawValue }
    }

    /// The storage every call that does not fail is passed to.
    public let base: any ObjectStorage

    // Guards every `var` below; the class is Sendable because of it.
    private let lock = NSLock()
    private var limit: Int?
    private var written = 0
    private var calls: [Operation: Int] = [:]
    private var failing: [Operation: Set<Int>] = [:]

    /// Whether packs are streamed through the wrapped storage's stream writer; each
    /// streamed object counts as a put at its commit and its bytes count against the limit
    /// as they are written.
    public let streamsPacks: Bool

    /// Wraps `base`; with a `byteLimit`, puts fail once they would write more than that in total.
    public init(wrapping base: any ObjectStorage, byteLimit: Int? = nil, streamsPacks: Bool = false) {
        self.base = base
        self.limit = byteLimit
        self.streamsPacks = streamsPacks
    }

    /// The wrapped storage's stream writer, behind the byte limit and the put faults, when
    /// ``streamsPacks`` is on.
    public func makeStreamWriter() throws -> (any ObjectStreamWriter)? {
        guard streamsPacks, let inner = try base.makeStreamWriter() else { return nil }
        return FaultyStreamWriter(storage: self, inner: inner)
    }

    /// Makes objects written through ``ObjectStorage/putUnsynced(_:_:)`` or streamed durable.
    public func flush() async throws { try await base.flush() }

    /// Reserves `count` bytes under the limit, or throws `.noSpace` naming the object.
    func reserve(_ count: Int, for subject: String) throws {
        try lock.withLock {
            if let limit, written + count > limit {
                throw LifeboatError(
                    .noSpace,
                    "no space left on device while writing \(subject) to \(base.location) (FaultyStorage limit \(limit) bytes, \(written) used)"
                )
            }
            written += count
        }
    }

    /// Gives back bytes reserved for an object that was not stored.
    func release(_ count: Int) { lock.withLock { written -= count } }

    /// Counts a put of a streamed object and throws if it was chosen to fail.
    func beginStreamedPut(_ name: ObjectName) throws { try begin(.put, name.description) }

    /// The wrapped storage's location.
    public var location: String { base.location }

    /// The total size of all puts that succeeded through this wrapper.
    public var bytesWritten: Int { lock.withLock { written } }

    /// The limit on ``bytesWritten``, or nil for none; can be changed at any time.
    public var byteLimit: Int? {
        get { lock.withLock { limit } }
        set { lock.withLock { limit = newValue } }
    }

    /// Makes the `call`-th call (1-based, counted since creation) of `operation` throw `.io`.
    ///
    /// Can be called several times to fail several calls; a call number already passed never fires.
    public func failCall(_ call: Int, of operation: Operation) {
        lock.withLock { _ = failing[operation, default: []].insert(call) }
    }

    /// How many times `operation` was called, including calls that failed.
    public func callCount(_ operation: Operation) -> Int {
        lock.withLock { calls[operation, default: 0] }
    }

    /// Counts the call, enforces the byte limit, then passes the put on.
    public func put(_ name: ObjectName, _ data: Data) async throws {
        try begin(.put, name.description)
        // Reserved up front so concurrent puts cannot overshoot the limit together.
        try reserve(data.count, for: name.description)
        do {
            try await base.put(name, data)
        } catch {
            release(data.count)
            throw error
        }
    }

    /// Counts the call, then passes it on unless it was chosen to fail.
    public func get(_ name: ObjectName) async throws -> Data {
        try begin(.get, name.description)
        return try await base.get(name)
    }

    /// Counts the call, then passes it on unless it was chosen to fail.
    public func getRange(_ name: ObjectName, offset: Int, length: Int) async throws -> Data {
        try begin(.getRange, name.description)
        return try await base.getRange(name, offset: offset, length: length)
    }

    /// Counts the call, then passes it on unless it was chosen to fail.
    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        try begin(.list, kind.rawValue)
        return try await base.list(kind)
    }

    /// Counts the call, then passes it on unless it was chosen to fail.
    public func delete(_ name: ObjectName) async throws {
        try begin(.delete, name.description)
        try await base.delete(name)
    }

    /// Counts the call, then passes it on unless it was chosen to fail.
    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        try begin(.stat, name.description)
        return try await base.stat(name)
    }

    /// Counts the call and throws if it was chosen to fail.
    private func begin(_ operation: Operation, _ subject: String) throws {
        let (call, fails) = lock.withLock {
            let call = calls[operation, default: 0] + 1
            calls[operation] = call
            return (call, failing[operation]?.contains(call) ?? false)
        }
        if fails {
            throw LifeboatError(
                .io, "injected fault: \(operation) call #\(call) (\(subject)) on \(base.location) failed (FaultyStorage)")
        }
    }
}

/// A stream writer behind ``FaultyStorage``'s byte limit and put faults.
final class FaultyStreamWriter: ObjectStreamWriter, @unchecked Sendable {
    // Unchecked like the writer it wraps: one task uses it at a time.
    private let storage: FaultyStorage
    private let inner: any ObjectStreamWriter
    private var reserved = 0

    init(storage: FaultyStorage, inner: any ObjectStreamWriter) {
        self.storage = storage
        self.inner = inner
    }

    var count: Int { inner.count }

    func write(_ bytes: Data) async throws {
        try storage.reserve(bytes.count, for: "a streamed pack")
        reserved += bytes.count
        try await inner.write(bytes)
    }

    func commit(as name: ObjectName) async throws {
        do {
            try storage.beginStreamedPut(name)
            try await inner.commit(as: name)
        } catch {
            await abandon()
            throw error
        }
    }

    func abandon() async {
        await inner.abandon()
        storage.release(reserved)
        reserved = 0
    }
}
