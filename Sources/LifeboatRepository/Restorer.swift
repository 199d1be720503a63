import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// What a restore is asked to do.
public struct RestoreOptions: Sendable {
    /// The directory to restore into.
    public var target: String
    /// Shell-style patterns (`*`, `?`, `[…]`) matched against paths relative to the
    /// snapshot root, such as `node/vcr/*.db`; empty restores everything.
    public var include: [String] = []
    /// Restore into a non-empty target, replacing files that are in the way.
    public var force = false

    /// Options for a target directory.
    public init(target: String) { self.target = target }
}

/// The outcome of a restore.
public struct RestoreResult: Sendable {
    /// Files written and verified.
    public var files = 0
    /// Bytes written.
    public var bytes: Int64 = 0
    /// Files that were not restored, each with the reason.
    public var failures: [String] = []
}

extension Repository {
    /// Restores a snapshot into a directory; each file is checked against its recorded
    /// SHA-256 before it is renamed into place, so a damaged file is never left behind.
    public func restore(
        _ snapshot: SnapshotRecord, options: RestoreOptions, progress: any ProgressReporter = SilentProgress()
    ) async throws -> RestoreResult {
        let target = URL(fileURLWithPath: options.target).standardizedFileURL.path
        try Restorer.prepareTarget(target, force: options.force)
        let restorer = Restorer(repo: self, index: try await loadIndex(), options: options, target: target, progress: progress)
        let root = try await loadTree(snapshot.snapshot.tree, index: restorer.index)
        restorer.total = snapshot.snapshot.summary.bytes
        try await restorer.restore(tree: root, into: target, relative: "")
        return restorer.result
    }
}

/// Writes a snapshot's tree to disk.
final class Restorer {
    let repo: Repository
    let index: ChunkIndex
    let options: RestoreOptions
    let target: String
    let progress: any ProgressReporter
    var result = RestoreResult()
    var total: Int64 = 0

    /// Restore windows (about 2 MiB each) read and decrypted concurrently.
    static let window = 4

    init(repo: Repository, index: ChunkIndex, options: RestoreOptions, target: String, progress: any ProgressReporter) {
        self.repo = repo
        self.index = index
        self.options = options
        self.target = target
        self.progress = progress
    }

    static func prepareTarget(_ target: String, force: Bool) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw LifeboatError(.invalidArgument, "restore target \(target) exists and is not a directory")
            }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
            if !entries.isEmpty && !force {
                throw LifeboatError(
                    .alreadyExists,
                    "restore target \(target) is not empty (\(entries.count) entries); choose an empty directory or pass --force to overwrite"
                )
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            } catch {
                throw LifeboatError(.io, "cannot create restore target \(target): \(error.localizedDescription)")
            }
        }
    }

    private func included(_ relative: String, isDirectory: Bool) -> Bool {
        if options.include.isEmpty { return true }
        return options.include.contains { pattern in
            if fnmatch(pattern, relative, 0) == 0 { return true }
            // A directory is entered when a pattern could match below it, and a path
            // below a matched directory is included with it.
            if isDirectory
                && (pattern.hasPrefix(relative + "/") || fnmatch(pattern, relative + "/x", FNM_PATHNAME) == 0 || pattern.contains("*"))
            {
                return true
            }
            var prefix = relative
            while let slash = prefix.lastIndex(of: "/") {
                prefix = String(prefix[..<slash])
                if fnmatch(pattern, prefix, 0) == 0 { return true }
            }
            return false
        }
    }

    func restore(tree: Tree, into dir: String, relative: String) async throws {
        var directories: [(String, TreeNode)] = []
        for node in tree.nodes {
            guard Self.safeName(node.name) else {
                result.failures.append("\(relative)/\(node.name): unsafe name in snapshot, skipped")
                continue
            }
            let rel = relative.isEmpty ? node.name : relative + "/" + node.name
            let path = dir + "/" + node.name
            switch node.type {
            case .directory:
                guard included(rel, isDirectory: true) else { continue }
                try makeDirectory(path)
                if let sub = node.subtree {
                    try await restore(tree: try await repo.loadTree(sub, index: index), into: path, relative: rel)
                }
                directories.append((path, node))
            case .symlink:
                guard included(rel, isDirectory: false) else { continue }
                unlink(path)
                if symlink(node.target ?? "", path) != 0 {
                    result.failures.append("\(rel): cannot create symlink: \(String(cString: strerror(errno)))")
                    continue
                }
                setTimes(path, node.mtime, followLink: false)
            case .file:
                guard included(rel, isDirectory: false) else { continue }
                do {
                    try await restoreFile(node, path: path, relative: rel)
                    result.files += 1
                } catch let e as LifeboatError {
                    result.failures.append("\(rel): not restored: \(e.message)")
                }
            }
        }
        for (path, node) in directories {
            chmod(path, mode_t(node.mode))
            setTimes(path, node.mtime, followLink: true)
        }
        // Remove directories that the include patterns left empty.
        if !options.include.isEmpty, !relative.isEmpty, (try? FileManager.default.contentsOfDirectory(atPath: dir))?.isEmpty == true {
            rmdir(dir)
        }
    }

    static func safeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    private func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw LifeboatError(.io, "cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func setTimes(_ path: String, _ mtime: Double, followLink: Bool) {
        let sec = floor(mtime)
        let t = timespec(tv_sec: Int(sec), tv_nsec: Int(((mtime - sec) * 1e9).rounded()))
        let times = [t, t]
        utimensat(AT_FDCWD, path, times, followLink ? 0 : AT_SYMLINK_NOFOLLOW)
    }

    private func restoreFile(_ node: TreeNode, path: String, relative: String) async throws {
        var planner = WindowPlanner(node: node)
        let dir = (path as NSString).deletingLastPathComponent
        let temp = dir + "/.lifeboat-restore-" + Hex.encode(randomBytes(6))
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LifeboatError(.io, "cannot create \(temp): \(String(cString: strerror(errno)))")
        }
        // A second descriptor writes aligned windows past the page cache (see DirectIO);
        // unaligned ones (content-defined chunks) go through `fd`.
        let direct = Self.openDirect(temp)
        var closed = false
        defer {
            if !closed {
                close(fd)
                if direct >= 0 { close(direct) }
            }
        }
        let fileSize = node.size ?? -1
        do {
            var sha = StreamingSHA256()
            var written: Int64 = 0
            let repo = self.repo
            let index = self.index
            let file = temp
            // Windows are read, decrypted and written at their own offsets in parallel;
            // this task hashes them in file order meanwhile, so the file is verified once
            // its last window is in.
            try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                var launched = 0
                var launchedBytes: Int64 = 0
                var nextToHash = 0
                var ready: [Int: [UInt8]] = [:]
                func launchNext() async throws -> Bool {
                    guard let refs = try await planner.nextRefs(repo: repo, index: index) else { return false }
                    let i = launched
                    let at = launchedBytes
                    launched += 1
                    launchedBytes += refs.reduce(Int64(0)) { $0 + Int64($1.length) }
                    group.addTask {
                        let window = try await WindowPlanner.plan(refs, repo: repo, index: index)
                        let bytes = try await window.assemble(repo: repo)
                        let end = at + Int64(bytes.count)
                        let alignment = Int64(DirectIO.alignment)
                        if direct >= 0, at % alignment == 0, end % alignment == 0 || end == fileSize {
                            let code = bytes.withUnsafeBytes { DirectIO.write(direct, $0, at: at) }
                            if code != 0 { throw Self.writeError(code, path: file) }
                        } else {
                            try bytes.withUnsafeBytes { try Self.pwriteAll(fd, $0, at: at, path: file) }
                        }
                        return (i, bytes)
                    }
                    return true
                }
                for _ in 0..<Self.window where try await launchNext() {}
                while let (i, bytes) = try await group.next() {
                    ready[i] = bytes
                    while var chunk = ready.removeValue(forKey: nextToHash) {
                        chunk.withUnsafeBytes { sha.update($0) }
                        written += Int64(chunk.count)
                        result.bytes += Int64(chunk.count)
                        nextToHash += 1
                        BatchBuffers.shared.give(&chunk)
                        progress.report(
                            ProgressEvent(
                                phase: "restore", bytesDone: result.bytes, bytesTotal: total, filesDone: result.files, filesTotal: 0,
                                current: relative))
                    }
                    _ = try await launchNext()
                }
            }
            guard written == node.size ?? written else {
                throw LifeboatError(.corrupted, "restored \(written) bytes, the snapshot records \(node.size ?? 0)")
            }
            let digest = sha.finalizeHex()
            if let expected = node.sha256, digest != expected {
                throw LifeboatError(.corrupted, "SHA-256 \(digest.prefix(12))… does not match the snapshot's \(expected.prefix(12))…")
            }
            // A direct write pads the file's last block.
            if ftruncate(fd, off_t(written)) != 0 {
                throw LifeboatError(.io, "cannot truncate \(temp): \(String(cString: strerror(errno)))")
            }
            fchmod(fd, mode_t(node.mode))
            close(fd)
            if direct >= 0 { close(direct) }
            closed = true
            setTimes(temp, node.mtime, followLink: true)
            if rename(temp, path) != 0 {
                throw LifeboatError(.io, "cannot move the restored file into place at \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temp)
            throw LifeboatError.wrap(error, "restoring \(relative)")
        }
    }

    /// A descriptor writing `path` with `O_DIRECT`, or -1 where the file system refuses it.
    static func openDirect(_ path: String) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return -1 }
        if DirectIO.enable(descriptor) { return descriptor }
        close(descriptor)
        return -1
    }

    /// The error for a failed write: `.noSpace` for a full device, else `.io`.
    static func writeError(_ code: Int32, path: String) -> LifeboatError {
        LifeboatError(code == ENOSPC ? .noSpace : .io, "cannot write \(path): \(String(cString: strerror(code)))")
    }

    /// Writes all of `buf` at the current position (pipes, streams).
    static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < buf.count {
            let n = write(fd, buf.baseAddress.map { $0 + done }, buf.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw writeError(errno, path: path)
            }
            done += n
        }
    }

    /// Writes all of `buf` at file offset `at`.
    static func pwriteAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, at: Int64, path: String) throws {
        var done = 0
        while done < buf.count {
            let n = pwrite(fd, buf.baseAddress.map { $0 + done }, buf.count - done, off_t(at) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw writeError(errno, path: path)
            }
            done += n
        }
    }
}

/// One storage read: a span of a pack holding several wanted blobs (small gaps included).
struct PackRead: Sendable {
    var pack: ObjectID
    var offset: Int
    var length: Int
    /// The blobs to take from the span: which chunk of the window, and where its frame
    /// lies in the span (offset, length, binding) and the blob in the frame (inner, rawLength).
    var blobs: [ReadBlob]
}

/// One blob of a ``PackRead``.
struct ReadBlob: Sendable {
    var chunk: Int
    var id: ObjectID
    /// Offset of the blob's sealed frame from the start of the read span.
    var offset: Int
    var length: Int
    var rawLength: Int
    var inner: Int
    var binding: ObjectID
}

/// A stretch of a file (one chunk-list blob, about 2 MiB): its reads grouped by pack,
/// so the chunks a backup left in one pack come back in one read however the file's
/// order interleaves packs.
struct RestoreWindow: Sendable {
    var starts: [Int]
    var size: Int
    var reads: [PackRead]

    /// Reads, decrypts and places every chunk; the result is the window's bytes in order.
    func assemble(repo: Repository) async throws -> [UInt8] {
        // Every byte is written below: the reads cover every chunk of the window.
        var out = BatchBuffers.shared.take()
        out.append(contentsOf: repeatElement(0, count: size))
        for read in reads {
            let data = try await repo.storage.getRange(ObjectName(.data, read.pack.hex), offset: read.offset, length: read.length)
            guard data.count == read.length else {
                throw LifeboatError(.corrupted, "pack data/\(read.pack.hex) is shorter than the index says")
            }
            // Blobs come in frame order, so the members of a frame follow one another.
            var frameOffset = -1
            var frame: [UInt8] = []
            for b in read.blobs {
                if b.offset != frameOffset {
                    let start = data.startIndex + b.offset
                    frame = try repo.openFrame(data[start..<(start + b.length)], binding: b.binding, pack: read.pack)
                    frameOffset = b.offset
                }
                let plain = try repo.member(of: frame, id: b.id, inner: b.inner, rawLength: b.rawLength, pack: read.pack, verifyID: false)
                out.withUnsafeMutableBufferPointer { dst in
                    plain.withUnsafeBufferPointer { src in
                        guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                        (d + starts[b.chunk]).update(from: s, count: src.count)
                    }
                }
            }
        }
        return out
    }
}

/// Turns a file's chunk list into restore windows, one chunk-list blob at a time, so a
/// huge file never has its whole list in memory.
struct WindowPlanner {
    /// Largest span read at once.
    static let readBytes = 1 << 20
    /// Unwanted bytes a read may span to join two wanted blobs of the same pack.
    static let gapBytes = 64 << 10

    private var inline: [ChunkRef]?
    private var lists: ArraySlice<ObjectID>

    init(node: TreeNode) {
        inline = node.chunks ?? (node.chunkLists == nil ? [] : nil)
        lists = (node.chunkLists ?? [])[...]
    }

    /// The next window, planned, or nil after the last.
    mutating func next(repo: Repository, index: ChunkIndex) async throws -> RestoreWindow? {
        guard let refs = try await nextRefs(repo: repo, index: index) else { return nil }
        return try await Self.plan(refs, repo: repo, index: index)
    }

    /// The chunk references of the next window, or nil after the last.
    mutating func nextRefs(repo: Repository, index: ChunkIndex) async throws -> [ChunkRef]? {
        if let inline {
            self.inline = nil
            return inline
        } else if let list = lists.popFirst() {
            return try ChunkList.decode(try await repo.readBlob(list, index: index), name: list.short)
        }
        return nil
    }

    /// The window for `refs`: their places in the assembled bytes and the pack reads.
    static func plan(_ refs: [ChunkRef], repo: Repository, index: ChunkIndex) async throws -> RestoreWindow {
        var starts: [Int] = []
        starts.reserveCapacity(refs.count)
        var size = 0
        var byPack: [ObjectID: [(chunk: Int, loc: BlobLocation, ref: ChunkRef)]] = [:]
        for (i, ref) in refs.enumerated() {
            starts.append(size)
            size += ref.length
            let loc = try await repo.locate(ref.id, index: index)
            byPack[loc.pack, default: []].append((i, loc, ref))
        }
        var reads: [PackRead] = []
        for (pack, wanted) in byPack.sorted(by: { $0.key < $1.key }) {
            var current: PackRead?
            for w in wanted.sorted(by: { ($0.loc.offset, $0.loc.inner) < ($1.loc.offset, $1.loc.inner) }) {
                guard w.loc.rawLength == w.ref.length else {
                    throw LifeboatError(
                        .corrupted,
                        "blob \(w.ref.id.short) in pack data/\(pack.hex) is \(w.loc.rawLength) bytes, the file lists \(w.ref.length)")
                }
                if var r = current, w.loc.offset >= r.offset, w.loc.offset - (r.offset + r.length) <= Self.gapBytes,
                    w.loc.offset + w.loc.length - r.offset <= Self.readBytes
                {
                    r.length = Swift.max(r.length, w.loc.offset + w.loc.length - r.offset)
                    r.blobs.append(ReadBlob(w, from: r.offset))
                    current = r
                } else {
                    if let r = current { reads.append(r) }
                    current = PackRead(pack: pack, offset: w.loc.offset, length: w.loc.length, blobs: [ReadBlob(w, from: w.loc.offset)])
                }
            }
            if let r = current { reads.append(r) }
        }
        return RestoreWindow(starts: starts, size: size, reads: reads)
    }
}

extension ReadBlob {
    /// The blob `w` of a window, its frame placed relative to a read starting at `start`.
    init(_ w: (chunk: Int, loc: BlobLocation, ref: ChunkRef), from start: Int) {
        self.init(
            chunk: w.chunk, id: w.ref.id, offset: w.loc.offset - start, length: w.loc.length, rawLength: w.loc.rawLength,
            inner: w.loc.inner, binding: w.loc.binding)
    }
}
