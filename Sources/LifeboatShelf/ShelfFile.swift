import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file steps of one shelf copy: write `.db.work`, sync it, keep the old copy as
/// `.db.previous`, rename the new one into place, sync the directory.
///
/// At every instant `<name>.db` is absent (before the first copy) or a complete copy: the old
/// copy is hard-linked to `.db.previous` before `rename(2)` atomically replaces it, so a
/// `kill -9` at any point leaves `.db` and `.db.previous` valid; only `.work` can be partial.
enum ShelfFile {
    /// The mode of every copy, as the Nuts node writes them.
    static let fileMode: mode_t = 0o640
    /// The mode of directories the shelf creates.
    static let directoryMode: mode_t = 0o750

    /// Writes one store's copy under `directory` and returns what was written.
    static func replace(_ store: ShelfStore, in directory: String) throws -> ShelfBackup {
        let started = Date()
        let moduleDirectory = directory + "/" + store.module
        try makeDirectory(moduleDirectory)
        let final = moduleDirectory + "/" + store.name + ".db"
        let work = final + ".work"
        let previous = final + ".previous"
        let previousWork = previous + ".work"
        // Leftovers of an interrupted copy: a partial file and SQLite's side files.
        for leftover in [work, work + "-journal", work + "-wal", work + "-shm", previousWork] { unlink(leftover) }

        let created = open(work, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard created >= 0 else { throw failure("create", work) }
        fchmod(created, fileMode)
        close(created)
        do {
            try store.write(work)
        } catch {
            unlink(work)
            throw LifeboatError.wrap(error, "shelf: writing a copy of \(store.relativePath) to \(work) failed")
        }
        for sideFile in [work + "-journal", work + "-wal", work + "-shm"] { unlink(sideFile) }
        let bytes = try syncFile(work)

        if access(final, F_OK) == 0 {
            // link + rename keeps both `.db` and `.db.previous` present at every instant.
            if link(final, previousWork) == 0 {
                guard rename(previousWork, previous) == 0 else { throw failure("rename", previousWork) }
            } else if rename(final, previous) != 0 {
                // A file system without hard links: fall back to the Nuts order, rename.
                throw failure("keep the old copy as", previous)
            }
        }
        guard rename(work, final) == 0 else { throw failure("rename \(work) to", final) }
        try syncDirectory(moduleDirectory)
        return ShelfBackup(
            module: store.module, name: store.name, path: final, bytes: bytes, startedAt: started,
            duration: Date().timeIntervalSince(started))
    }

    /// Creates a directory and its parents (mode 0750) unless it exists.
    static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw LifeboatError(
                    .invalidArgument, "shelf: \(path) exists but is not a directory; remove it or choose another shelf directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
        } catch {
            throw LifeboatError(
                .io, "shelf: could not create directory \(path) (\(error.localizedDescription)); check the shelf directory's permissions",
                cause: error)
        }
    }

    /// Flushes a file to disk and returns its size.
    private static func syncFile(_ path: String) throws -> Int64 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        guard fchmod(descriptor, fileMode) == 0 else { throw failure("set mode 0640 on", path) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("stat", path) }
        return Int64(status.st_size)
    }

    /// Makes the renames in a directory durable.
    private static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open directory", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync directory", path) }
    }

    /// The error for a failed system call, with the reason from `errno`.
    private static func failure(_ action: String, _ path: String) -> LifeboatError {
        let reason = String(cString: strerror(errno))
        let code: LifeboatError.Code = errno == ENOSPC ? .noSpace : .io
        return LifeboatError(code, "shelf: could not \(action) \(path): \(reason)")
    }
}
