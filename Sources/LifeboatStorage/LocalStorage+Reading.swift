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

// MARK: - Reading and listing

extension LocalStorage {
    func openForReading(_ name: ObjectName, _ path: String) throws -> Int32 {
        while true {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 { return descriptor }
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT || code == ENOTDIR {
                throw LifeboatError(.notFound, "object \(name) not found in \(root)")
            }
            throw Self.ioError(code, "could not open", path)
        }
    }

    func fileSize(_ descriptor: Int32, _ path: String) throws -> Int {
        var info = FileStatus()
        guard fstat(descriptor, &info) == 0 else { throw Self.ioError(errno, "could not inspect", path) }
        return Int(info.st_size)
    }

    /// Reads up to `count` bytes at `offset` straight into the returned buffer.
    static func read(_ descriptor: Int32, offset: Int, count: Int, path: String) throws -> Data {
        guard count > 0 else { return Data() }
        guard let buffer = malloc(count) else {
            throw LifeboatError(.io, "could not allocate \(count) bytes to read \(path)")
        }
        var done = 0
        while done < count {
            let got = pread(descriptor, buffer + done, count - done, off_t(offset + done))
            if got > 0 {
                done += got
            } else if got == 0 {
                break  // Objects are replaced, never truncated in place, so this is a short file.
            } else if errno != EINTR {
                let code = errno
                free(buffer)
                throw ioError(code, "could not read", path)
            }
        }
        return Data(bytesNoCopy: buffer, count: done, deallocator: .free)
    }

    /// Calls `body` with each entry's name and `lstat` data; a missing directory has none.
    static func forEachEntry(
        in directory: String, includingHidden: Bool = false, _ body: (String, FileStatus) throws -> Void
    ) throws {
        guard let stream = opendir(directory) else {
            let code = errno
            if code == ENOENT { return }
            throw ioError(code, "could not list", directory)
        }
        defer { closedir(stream) }
        let descriptor = dirfd(stream)
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw ioError(errno, "could not list", directory) }
                return
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) {
                    String(cString: $0)
                }
            }
            // Dot files are ".", "..", and temporary files of writes in flight or crashed.
            if name.hasPrefix(".") && (!includingHidden || name == "." || name == "..") { continue }
            var info = FileStatus()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue }  // deleted while we listed
                throw ioError(errno, "could not inspect", directory + "/" + name)
            }
            try body(name, info)
        }
    }

    static func objectInfo(_ kind: ObjectKind, _ entry: String, _ info: FileStatus) -> ObjectInfo? {
        let name = ObjectName(kind, entry)
        // Stray files that no valid name can reach are not objects.
        guard info.st_mode & S_IFMT == S_IFREG, (try? name.validate()) != nil else { return nil }
        return ObjectInfo(name: name, size: Int(info.st_size), modified: modificationDate(info))
    }

    static func modificationDate(_ info: FileStatus) -> Date {
        #if canImport(Darwin)
            let time = info.st_mtimespec
        #else
            let time = info.st_mtim
        #endif
        return Date(timeIntervalSince1970: TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9)
    }

    static func isEmptyDirectory(_ path: String) throws -> Bool {
        var empty = true
        try forEachEntry(in: path, includingHidden: true) { _, _ in empty = false }
        return empty
    }

    static func ioError(_ code: Int32, _ action: String, _ path: String) -> LifeboatError {
        LifeboatError(.io, "\(action) \(path): \(String(cString: strerror(code)))")
    }
}
