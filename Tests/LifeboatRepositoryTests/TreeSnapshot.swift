import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a restore must reproduce about a directory tree, for comparing two trees.
struct TreeSnapshot: Equatable, CustomStringConvertible {
    enum Entry: Equatable {
        case file(mode: UInt32, mtime: Int, content: Data)
        case directory(mode: UInt32)
        case symlink(target: String)
    }
    var entries: [String: Entry] = [:]

    /// Reads a tree; mtimes are compared to the second (file systems differ below that).
    init(_ root: String) throws {
        let fm = FileManager.default
        let all = fm.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        for rel in all {
            let path = root + "/" + rel
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                entries[rel] = .file(
                    mode: UInt32(st.st_mode & 0o7777), mtime: st.st_mtim.tv_sec, content: try Data(contentsOf: URL(fileURLWithPath: path)))
            case S_IFDIR:
                entries[rel] = .directory(mode: UInt32(st.st_mode & 0o7777))
            case S_IFLNK:
                entries[rel] = .symlink(target: try fm.destinationOfSymbolicLink(atPath: path))
            default: break
            }
        }
    }

    var description: String { entries.keys.sorted().joined(separator: "\n") }

    /// The paths whose entries differ between two trees.
    func differences(_ other: TreeSnapshot) -> [String] {
        Set(entries.keys).union(other.entries.keys).filter { entries[$0] != other.entries[$0] }.sorted()
    }
}
