import Foundation
import LifeboatConfig
import LifeboatCore

/// A node's shelf in a staged backup: the copies the node wrote of its single-process
/// stores (BBolt), as `<module>/<store>.db` the way they lie in its datadir.
struct StagedShelf: Sendable, Hashable {
    /// The shelf directory as configured, made absolute.
    var directory: String
    /// Where its copy lies in the staging directory.
    var staged: String
    /// Datadir-relative paths of the store copies it holds, sorted.
    var files: [String]

    /// The datadir entries (modules) its copies go into.
    var modules: [String] { Array(Set(files.compactMap { $0.split(separator: "/").first.map(String.init) })).sorted() }
}

extension NodeRestoreRunbook {
    /// The shelves of the node's `shelf` stores in a staged backup, each checked to hold a
    /// copy of every store the node's release needs (Nuts), before the node is touched.
    ///
    /// A copy is `<module>/<store>.db`; the node's own `.db.work` (being written) and
    /// `.db.previous` (the copy before) are not restored.
    static func stagedShelves(node: NodeConfiguration, staging: String, datadirLayout: Bool, datadir: String) throws -> [StagedShelf] {
        let fm = FileManager.default
        var shelves: [StagedShelf] = []
        for case .shelf(let configured) in node.stores {
            let directory = node.resolvedPath(configured)
            let prefix = datadir.hasSuffix("/") ? datadir : datadir + "/"
            let staged =
                datadirLayout && directory.hasPrefix(prefix)
                ? staging + "/" + String(directory.dropFirst(prefix.count)) : staging + directory
            var files: [String] = []
            for module in ((try? fm.contentsOfDirectory(atPath: staged)) ?? []).sorted() {
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: staged + "/" + module, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
                for name in ((try? fm.contentsOfDirectory(atPath: staged + "/" + module)) ?? []).sorted() where name.hasSuffix(".db") {
                    var info = stat()
                    guard lstat(staged + "/" + module + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
                    files.append(module + "/" + name)
                }
            }
            guard !files.isEmpty else {
                throw LifeboatError(
                    .notFound,
                    "the backup holds no store copies from the shelf \(directory): the node had written none when it ran (storage.bbolt.backup.directory and .interval set? one interval passed?)"
                )
            }
            if node.profile == .nuts {
                let lacking = NutsStoreList.restoreFiles(version: node.version).filter { !files.contains($0) }
                guard lacking.isEmpty else {
                    throw LifeboatError(
                        .notFound,
                        "the shelf copy \(directory) in the backup lacks \(lacking.joined(separator: ", ")), which Nuts \(node.version ?? "5") needs restored; take a backup after the node's shelf has written every store"
                    )
                }
            }
            shelves.append(StagedShelf(directory: directory, staged: staged, files: files))
        }
        return shelves
    }

    /// Moves each shelf copy to its place in the datadir (`<module>/<store>.db`), replacing
    /// what the stores restored there; returns the paths put in place.
    static func placeShelfCopies(_ shelves: [StagedShelf], datadir: String) throws -> [String] {
        let fm = FileManager.default
        var placed: [String] = []
        for shelf in shelves {
            for file in shelf.files {
                let target = datadir + "/" + file
                try fm.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
                if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
                try move(shelf.staged + "/" + file, to: target)
                placed.append(file)
            }
        }
        return placed
    }
}
