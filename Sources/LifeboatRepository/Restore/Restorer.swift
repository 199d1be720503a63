import Foundation
import LifeboatChunking
import LifeboatCore
import LifeboatCrypto
import LifeboatProcess
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a snapshot's tree to disk.
final class Restorer {
    let repo: Repository
    let index: ChunkIndex
    let options: RestoreOptions
    let target: String
    let progress: any ProgressReporter
    var result = RestoreResult()
    var total: Int64 = 0

    /// Restore windows (about 2 MiB each) read and decrypted concurrently from a local disk.
    static let window = 4
    /// The same from network storage (S3), where each read waits on a round trip and costs
    /// the server a request: fewer, larger windows (several chunk-list blobs, at least
    /// ``networkWindowBytes`` of the file) whose reads span up to a whole pack.
    static let networkWindow = 4
    /// The least a window covers on network storage.
    static let networkWindowBytes = 8 << 20

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
        removeLeftoverTemporaries(in: dir)
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

    /// The prefix of a file being restored before it is checked and renamed into place.
    static let temporaryPrefix = ".lifeboat-restore-"

    /// Whether `name` is one of this restorer's temporaries: the prefix and 12 hex digits.
    static func isTemporary(_ name: String) -> Bool {
        guard name.hasPrefix(temporaryPrefix) else { return false }
        let suffix = name.dropFirst(temporaryPrefix.count)
        return suffix.count == 12 && suffix.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// Deletes the temporaries a restore killed before it could rename or unlink them left
    /// in `dir` (regular files only), so a restore run again leaves no stray file behind.
    private func removeLeftoverTemporaries(in dir: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where Self.isTemporary(name) {
            var info = stat()
            let path = dir + "/" + name
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if unlink(path) == 0 { result.temporariesRemoved += 1 }
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
        let inFlight = repo.storage.overlapsPuts ? Self.networkWindow : Self.window
        // On network storage chunk lists are read ahead (those of the windows in flight and
        // the next), so a window starts without a round trip for each of its lists; a local
        // read takes microseconds.
        var planner = WindowPlanner(node: node, readAhead: repo.storage.overlapsPuts ? 16 : 0)
        defer { planner.cancel() }
        let dir = (path as NSString).deletingLastPathComponent
        let temp = dir + "/" + Self.temporaryPrefix + Hex.encode(randomBytes(6))
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
                let network = repo.storage.overlapsPuts
                let readBytes = network ? WindowPlanner.networkReadBytes : WindowPlanner.readBytes
                func launchNext() async throws -> Bool {
                    guard var refs = try await planner.nextRefs(repo: repo, index: index) else { return false }
                    var span = refs.reduce(Int64(0)) { $0 + Int64($1.length) }
                    while network, span < Int64(Self.networkWindowBytes), let more = try await planner.nextRefs(repo: repo, index: index) {
                        refs += more
                        span += more.reduce(Int64(0)) { $0 + Int64($1.length) }
                    }
                    let i = launched
                    let at = launchedBytes
                    launched += 1
                    launchedBytes += span
                    group.addTask {
                        let window = try await WindowPlanner.plan(refs, repo: repo, index: index, readBytes: readBytes)
                        let bytes = try await window.assemble(repo: repo)
                        let end = at + Int64(bytes.count)
                        let alignment = Int64(DirectIO.alignment)
                        if direct >= 0, at % alignment == 0, end % alignment == 0 || end == fileSize {
                            let code = bytes.withUnsafeBytes { DirectIO.write(direct, $0, at: at) }
                            if code != 0 { throw DescriptorWrite.error(code, path: file) }
                        } else {
                            try bytes.withUnsafeBytes { try DescriptorWrite.pwriteAll(fd, $0, at: at, path: file) }
                        }
                        return (i, bytes)
                    }
                    return true
                }
                for _ in 0..<inFlight where try await launchNext() {}
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
}
