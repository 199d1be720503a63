import Foundation
import LifeboatCore

extension Repository {
    /// The files of a snapshot at each of `paths` (relative to the snapshot root): a file's
    /// own node, or every file below a directory, with its path; at most `limit` files in
    /// all. A path the snapshot lacks gives nothing. The index is loaded once for all.
    ///
    /// ```swift
    /// for (path, node) in try await repo.files(record, at: ["network/data.db", "shelf"]) {
    ///     print(path, node.capturedAt ?? Date(timeIntervalSince1970: node.mtime))
    /// }
    /// ```
    public func files(_ snapshot: SnapshotRecord, at paths: [String], limit: Int = 10_000) async throws -> [(path: String, node: TreeNode)]
    {
        let index = try await loadIndex()
        let root = try await loadTree(snapshot.snapshot.tree, index: index)
        var out: [(path: String, node: TreeNode)] = []
        func collect(_ node: TreeNode, at path: String) async throws {
            guard out.count < limit else { return }
            switch node.type {
            case .file: out.append((path, node))
            case .directory:
                guard let sub = node.subtree else { return }
                for child in try await loadTree(sub, index: index).nodes { try await collect(child, at: path + "/" + child.name) }
            case .symlink: return
            }
        }
        for path in paths {
            var tree = root
            let parts = path.split(separator: "/").map(String.init)
            for (i, part) in parts.enumerated() {
                guard let node = tree.nodes.first(where: { $0.name == part }) else { break }
                if i == parts.count - 1 {
                    try await collect(node, at: parts.joined(separator: "/"))
                } else {
                    guard node.type == .directory, let sub = node.subtree else { break }
                    tree = try await loadTree(sub, index: index)
                }
            }
        }
        return out
    }
}
