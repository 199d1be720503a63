import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// What `lstat` says of a path, in the form the archiver needs.
struct FileMetadata {
    enum Kind { case file, directory, symlink, other }

    var kind: Kind
    var mode: UInt32
    var size: Int64
    var mtime: Double
    var mtimeSpec: timespec

    /// Stats a path without following a final symlink.
    static func lstat(_ path: String) throws -> FileMetadata {
        var st = stat()
        guard Glibc.lstat(path, &st) == 0 else {
            throw LifeboatError(errno == ENOENT ? .notFound : .io, "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        let type = st.st_mode & S_IFMT
        let kind: Kind =
            switch type {
            case S_IFREG: .file
            case S_IFDIR: .directory
            case S_IFLNK: .symlink
            default: .other
            }
        return FileMetadata(
            kind: kind, mode: UInt32(st.st_mode & 0o7777), size: Int64(st.st_size),
            mtime: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9, mtimeSpec: st.st_mtim)
    }

    /// The names in a directory, sorted, without `.` and `..`.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            throw LifeboatError(.io, "cannot list \(path): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The target of a symlink.
    static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n >= 0 else { throw LifeboatError(.io, "cannot read link \(path): \(String(cString: strerror(errno)))") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
