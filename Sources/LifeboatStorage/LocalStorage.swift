import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The C `struct stat`, named apart from ``LocalStorage/stat(_:)`` which hides it inside the type.
typealias FileStatus = stat

/// The C `stat(2)` call, reachable from inside ``LocalStorage``.
func statusOfFile(_ path: String, _ info: inout FileStatus) -> Int32 {
    stat(path, &info)
}

/// An ``ObjectStorage`` in a local directory: temp file, fsync, rename, fsync the directory.
///
/// Layout under the root:
/// ```
/// config                      the config object
/// keys/<name>                 key slots
/// index/<name>                index files
/// snapshots/<name>            snapshot manifests
/// locks/<name>                locks
/// data/<first two chars>/<name>  packs, fanned out so no directory grows huge
/// ```
/// Files whose names start with `.tmp-` are writes in flight or leftovers of a crash;
/// they are never listed or returned, and ``removeStaleTemporaryFiles(olderThan:)``
/// deletes the old ones.
///
/// ```swift
/// let storage = try LocalStorage.create(at: "/srv/backups/repo")
/// try await storage.put(ObjectName(.keys, "a1b2"), slotJSON)
/// ```
public struct LocalStorage: ObjectStorage {
    /// The repository directory, without a trailing slash.
    public let root: String
    /// Files written without a sync, waiting for ``flush()``.
    let pending = PendingSyncs()

    /// The repository directory, for messages.
    public var location: String { root }

    static let temporaryPrefix = ".tmp-"
    private static let directoryKinds: [ObjectKind] = [.keys, .data, .index, .snapshots, .locks]

    /// Opens the storage in an existing directory.
    ///
    /// Only checks that the directory exists; whether it holds a repository (a `config`
    /// object) is for the repository layer to decide.
    public init(path: String) throws {
        let root = try Self.normalize(path)
        var info = FileStatus()
        guard statusOfFile(root, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw LifeboatError(.notARepository, "no Lifeboat repository at \(root) (the directory does not exist)")
            }
            throw Self.ioError(code, "could not open repository directory", root)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw LifeboatError(.notARepository, "no Lifeboat repository at \(root) (it is not a directory)")
        }
        self.root = root
    }

    private init(checkedRoot: String) {
        self.root = checkedRoot
    }

    /// Creates the directory layout at `path`, which must not exist or be an empty directory.
    public static func create(at path: String) throws -> LocalStorage {
        let root = try normalize(path)
        var info = FileStatus()
        if statusOfFile(root, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw LifeboatError(.alreadyExists, "cannot create a repository at \(root): it exists and is not a directory")
            }
            guard try isEmptyDirectory(root) else {
                throw LifeboatError(.alreadyExists, "cannot create a repository at \(root): the directory is not empty")
            }
        } else {
            let code = errno
            guard code == ENOENT else { throw ioError(code, "could not inspect", root) }
            try makeDirectories(root, creating: "the repository directory", in: root)
            // The new directory entry must survive a crash as well as its contents.
            try syncDirectory(parentDirectory(of: root))
        }
        for kind in directoryKinds {
            try makeDirectories(root + "/" + kind.rawValue, creating: kind.rawValue, in: root)
        }
        try syncDirectory(root)
        return LocalStorage(checkedRoot: root)
    }

    /// Writes `data` to a temporary file, syncs it, renames it over the object and syncs the folder.
    public func put(_ name: ObjectName, _ data: Data) async throws {
        try name.validate()
        // Writing and syncing block for milliseconds: keep them off the few cooperative
        // threads so chunking and sealing go on meanwhile.
        try await Self.offload { try self.putBlocking(name, data, sync: true) }
    }

    /// A pack goes to disk (past the page cache) in a few milliseconds: not worth a second
    /// pack in memory.
    public var overlapsPuts: Bool { false }

    /// Packs are streamed to a temporary file in the `data` folder as they fill, past the
    /// page cache, and renamed into place when complete (``LocalStreamWriter``).
    public func makeStreamWriter() throws -> (any ObjectStreamWriter)? { try LocalStreamWriter(storage: self) }

    /// Writes and renames like ``put(_:_:)`` but leaves syncing to ``flush()``; packs are
    /// written past the page cache (``DirectIO``), so the later sync only flushes the device.
    public func putUnsynced(_ name: ObjectName, _ data: Data) async throws {
        try name.validate()
        try await Self.offload { try self.putBlocking(name, data, sync: false) }
    }

    /// Syncs every file written by ``putUnsynced(_:_:)`` since the last flush, then their folders.
    public func flush() async throws {
        let files = pending.take()
        guard !files.isEmpty else { return }
        try await Self.offload {
            var directories = Set<String>()
            for path in files {
                let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw Self.ioError(errno, "could not open for syncing", path) }
                defer { close(descriptor) }
                guard fsync(descriptor) == 0 else { throw Self.ioError(errno, "could not sync", path) }
                directories.insert(Self.parentDirectory(of: path))
            }
            for directory in directories.sorted() { try Self.syncDirectory(directory) }
        }
    }

    private func putBlocking(_ name: ObjectName, _ data: Data, sync: Bool) throws {
        let relative = Self.relativePath(of: name)
        let directory = directoryPath(of: name)
        let target = root + "/" + relative
        let (descriptor, temporary) = try createTemporaryFile(in: directory, for: relative)
        do {
            try writeAndClose(descriptor, data, temporary: temporary, relative: relative, sync: sync)
            guard rename(temporary, target) == 0 else {
                throw writeFailure(errno, "could not rename \(temporary) to", target, relative: relative)
            }
        } catch {
            unlink(temporary)
            throw error
        }
        if sync {
            try Self.syncDirectory(directory)
        } else {
            pending.add(target)
        }
    }

    private static let ioQueue = DispatchQueue(label: "lifeboat.local-storage.io", attributes: .concurrent)

    /// Runs blocking file-system work on a dispatch queue and awaits its result.
    static func offload(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            ioQueue.async {
                do {
                    try work()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Reads the whole object straight into the returned buffer.
    public func get(_ name: ObjectName) async throws -> Data {
        try name.validate()
        let path = root + "/" + Self.relativePath(of: name)
        let descriptor = try openForReading(name, path)
        defer { close(descriptor) }
        let size = try fileSize(descriptor, path)
        return try Self.read(descriptor, offset: 0, count: size, path: path)
    }

    /// Reads part of the object with `pread`; the range is clipped to the object's end.
    public func getRange(_ name: ObjectName, offset: Int, length: Int) async throws -> Data {
        try name.validate()
        guard offset >= 0, length >= 0 else {
            throw LifeboatError(
                .invalidArgument,
                "invalid range of \(name): offset \(offset) and length \(length) must not be negative")
        }
        let path = root + "/" + Self.relativePath(of: name)
        let descriptor = try openForReading(name, path)
        defer { close(descriptor) }
        let size = try fileSize(descriptor, path)
        let start = min(offset, size)
        return try Self.read(descriptor, offset: start, count: min(length, size - start), path: path)
    }

    /// Lists the kind's folder (all fan-out folders for `data`), skipping temporary and stray files.
    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        switch kind {
        case .config:
            let name = ObjectName(.config, "config")
            return try await stat(name).map { [$0] } ?? []
        case .data:
            var result: [ObjectInfo] = []
            let dataDirectory = root + "/" + ObjectKind.data.rawValue
            try Self.forEachEntry(in: dataDirectory) { prefix, info in
                guard info.st_mode & S_IFMT == S_IFDIR else { return }
                try Self.forEachEntry(in: dataDirectory + "/" + prefix) { entry, info in
                    // A file in the wrong fan-out directory could never be read by name.
                    guard String(entry.prefix(2)) == prefix else { return }
                    if let object = Self.objectInfo(.data, entry, info) { result.append(object) }
                }
            }
            return result
        case .keys, .index, .snapshots, .locks:
            var result: [ObjectInfo] = []
            try Self.forEachEntry(in: root + "/" + kind.rawValue) { entry, info in
                if let object = Self.objectInfo(kind, entry, info) { result.append(object) }
            }
            return result
        }
    }

    /// Unlinks the object and syncs the folder; a missing object is not an error.
    public func delete(_ name: ObjectName) async throws {
        try name.validate()
        let path = root + "/" + Self.relativePath(of: name)
        guard unlink(path) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return }
            throw Self.ioError(code, "could not delete", path)
        }
        // Without this a crash could bring back a deleted snapshot whose packs prune already removed.
        try Self.syncDirectory(directoryPath(of: name))
    }

    /// The object's size and modification time, or nil when there is no such file.
    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        try name.validate()
        let path = root + "/" + Self.relativePath(of: name)
        var info = FileStatus()
        guard statusOfFile(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw Self.ioError(code, "could not inspect", path)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw LifeboatError(.io, "\(path) should be an object file but is not a regular file")
        }
        return ObjectInfo(name: name, size: Int(info.st_size), modified: Self.modificationDate(info))
    }

    /// Deletes `.tmp-*` files (left by crashed writers) last modified more than `age` seconds ago.
    ///
    /// Returns how many files it deleted. Choose an age well above the longest write, so
    /// a write still in flight in another process is not cut short.
    public func removeStaleTemporaryFiles(olderThan age: TimeInterval) throws -> Int {
        let cutoff = Date().addingTimeInterval(-age)
        var directories = [root] + Self.directoryKinds.map { root + "/" + $0.rawValue }
        let dataDirectory = root + "/" + ObjectKind.data.rawValue
        try Self.forEachEntry(in: dataDirectory) { prefix, info in
            if info.st_mode & S_IFMT == S_IFDIR { directories.append(dataDirectory + "/" + prefix) }
        }
        var removed = 0
        for directory in directories {
            try Self.forEachEntry(in: directory, includingHidden: true) { entry, info in
                guard entry.hasPrefix(Self.temporaryPrefix), info.st_mode & S_IFMT == S_IFREG,
                    Self.modificationDate(info) < cutoff
                else { return }
                let path = directory + "/" + entry
                if unlink(path) == 0 {
                    removed += 1
                } else if errno != ENOENT {
                    throw Self.ioError(errno, "could not delete temporary file", path)
                }
            }
        }
        return removed
    }
}

// MARK: - Paths

extension LocalStorage {
    /// The object's path relative to the root; `name` must be valid.
    static func relativePath(of name: ObjectName) -> String {
        switch name.kind {
        case .config: return "config"
        case .data: return "data/\(name.name.prefix(2))/\(name.name)"
        case .keys, .index, .snapshots, .locks: return "\(name.kind.rawValue)/\(name.name)"
        }
    }

    func directoryPath(of name: ObjectName) -> String {
        switch name.kind {
        case .config: return root
        case .data: return "\(root)/data/\(name.name.prefix(2))"
        case .keys, .index, .snapshots, .locks: return "\(root)/\(name.kind.rawValue)"
        }
    }

    private static func normalize(_ path: String) throws -> String {
        guard !path.isEmpty else {
            throw LifeboatError(.invalidArgument, "the repository path is empty")
        }
        var root = path
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        return root
    }

    private static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

// MARK: - Writing

extension LocalStorage {
    func createTemporaryFile(in directory: String, for relative: String) throws -> (Int32, String) {
        var createdDirectory = false
        while true {
            let path = directory + "/" + Self.temporaryPrefix + String(UInt64.random(in: .min ... .max), radix: 16)
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return (descriptor, path) }
            let code = errno
            switch code {
            case EINTR, EEXIST:
                continue
            case ENOENT where !createdDirectory:
                // Fan-out directories (and kinds missing from older layouts) are made on first use.
                try Self.makeDirectories(directory, creating: relative, in: root)
                try Self.syncDirectory(Self.parentDirectory(of: directory))
                createdDirectory = true
            default:
                throw writeFailure(code, "could not create temporary file", path, relative: relative)
            }
        }
    }

    /// Writes all of `data`, syncs and closes; closes the descriptor on failure too.
    private func writeAndClose(_ descriptor: Int32, _ data: Data, temporary: String, relative: String, sync: Bool) throws {
        var isOpen = true
        defer { if isOpen { close(descriptor) } }
        // Packs (written unsynced, synced in a batch later) bypass the page cache.
        if !sync, DirectIO.enable(descriptor) {
            let code = data.withUnsafeBytes { DirectIO.write(descriptor, $0, at: 0) }
            if code != 0 { throw writeFailure(code, "could not write", temporary, relative: relative) }
            // The last block was padded to the alignment.
            guard ftruncate(descriptor, off_t(data.count)) == 0 else {
                throw writeFailure(errno, "could not truncate", temporary, relative: relative)
            }
        } else {
            try writeAll(descriptor, data, temporary: temporary, relative: relative)
        }
        if sync {
            guard fsync(descriptor) == 0 else {
                throw writeFailure(errno, "could not sync", temporary, relative: relative)
            }
        }
        isOpen = false
        guard close(descriptor) == 0 else {
            throw writeFailure(errno, "could not close", temporary, relative: relative)
        }
    }

    /// Writes all of `data` through the page cache.
    private func writeAll(_ descriptor: Int32, _ data: Data, temporary: String, relative: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = write(descriptor, pointer, remaining)
                if written > 0 {
                    pointer += written
                    remaining -= written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    // A regular file only writes nothing when the device is full.
                    throw writeFailure(written == 0 ? ENOSPC : errno, "could not write", temporary, relative: relative)
                }
            }
        }
    }

    func writeFailure(_ code: Int32, _ action: String, _ path: String, relative: String) -> LifeboatError {
        if code == ENOSPC {
            return LifeboatError(.noSpace, "no space left on device while writing \(relative) to \(root)")
        }
        if code == EDQUOT {
            return LifeboatError(.noSpace, "disk quota exceeded while writing \(relative) to \(root)")
        }
        return Self.ioError(code, action, path)
    }

    static func makeDirectories(_ path: String, creating what: String, in root: String) throws {
        if mkdir(path, 0o700) == 0 { return }
        var code = errno
        if code == EEXIST { return }
        if code == ENOENT && path != "/" && path != "." {
            try makeDirectories(parentDirectory(of: path), creating: what, in: root)
            if mkdir(path, 0o700) == 0 { return }
            code = errno
            if code == EEXIST { return }
        }
        if code == ENOSPC || code == EDQUOT {
            throw LifeboatError(.noSpace, "no space left on device while creating \(what) in \(root)")
        }
        throw ioError(code, "could not create directory", path)
    }

    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError(errno, "could not open directory", path) }
        defer { close(descriptor) }
        // Some file systems cannot sync a directory; they order their metadata anyway.
        guard fsync(descriptor) == 0 || errno == EINVAL || errno == ENOTSUP else {
            throw ioError(errno, "could not sync directory", path)
        }
    }
}
