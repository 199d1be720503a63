import Foundation
import LifeboatCore

/// Where each backed-up path and streamed entry goes in the snapshot's tree.
extension Archiver {
    /// Makes paths absolute and refuses two paths stored under the same name: the same last
    /// component, or with `root`, a path outside it or inside another given path.
    static func normalize(_ paths: [String], root: String? = nil) throws -> [String] {
        guard !paths.isEmpty else { throw LifeboatError(.invalidArgument, "no paths to back up") }
        let absolute = paths.map(absolutePath)
        for p in absolute {
            do {
                _ = try FileMetadata.lstat(p)
            } catch let e as LifeboatError where e.code == .notFound {
                throw LifeboatError(.invalidArgument, "cannot back up \(p): no such file or directory")
            }
        }
        if let root {
            let base = absolutePath(root)
            let relatives = try absolute.map { try relativePath($0, root: base) }
            for (i, a) in relatives.enumerated() {
                for b in relatives[(i + 1)...] where a == b || b.hasPrefix(a + "/") || a.hasPrefix(b + "/") {
                    throw LifeboatError(.invalidArgument, "\(base)/\(a) and \(base)/\(b) overlap; give each file or directory once")
                }
            }
            return absolute
        }
        var seen = Set<String>()
        for p in absolute {
            let name = (p as NSString).lastPathComponent
            guard seen.insert(name).inserted else {
                throw LifeboatError(
                    .invalidArgument, "two paths end in \"\(name)\"; back them up in separate snapshots or give their common parent")
            }
        }
        return absolute
    }

    static func absolutePath(_ p: String) -> String {
        let joined = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    /// `path` relative to `root`, which must contain it.
    static func relativePath(_ path: String, root: String) throws -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard path.hasPrefix(prefix), path.count > prefix.count else {
            throw LifeboatError(.invalidArgument, "cannot back up \(path): it is not inside \(root)")
        }
        return String(path.dropFirst(prefix.count))
    }

    /// The directories between the root and the given paths, and where streamed entries go.
    indirect enum Layout {
        case path(String)
        /// An entry already archived (a streamed entry).
        case node(TreeNode)
        /// A streamed entry archived after every other entry (`BackupOptions.closingStreams`).
        case closing(StreamEntry)
        case directory([String: Layout])

        /// Whether a closing entry is at or below this entry.
        var holdsClosing: Bool {
            switch self {
            case .closing: true
            case .directory(let children): children.values.contains { $0.holdsClosing }
            case .path, .node: false
            }
        }

        /// Paths below `root` by their relative path, or without a root by their last component.
        static func build(_ paths: [String], root: String?) throws -> [String: Layout] {
            var top: [String: Layout] = [:]
            for p in paths {
                let parts =
                    try root.map { try relativePath(p, root: $0).split(separator: "/").map(String.init) }
                    ?? [(p as NSString).lastPathComponent]
                try insert(&top, parts[...], .path(p))
            }
            return top
        }

        static func insert(_ level: inout [String: Layout], _ parts: ArraySlice<String>, _ leaf: Layout) throws {
            guard let first = parts.first else { return }
            if parts.count == 1 {
                guard level[first] == nil else { throw collision(first) }
                level[first] = leaf
                return
            }
            var children: [String: Layout] = [:]
            switch level[first] {
            case .directory(let existing)?: children = existing
            case nil: break
            default: throw collision(first)
            }
            try insert(&children, parts.dropFirst(), leaf)
            level[first] = .directory(children)
        }

        private static func collision(_ name: String) -> LifeboatError {
            LifeboatError(
                .invalidArgument, "\"\(name)\" is given twice in one backup (a path and a streamed entry, or two entries); give each once")
        }
    }
}

extension Archiver {
    /// Archives the given paths below `directory`, with the directories in between as
    /// directory entries carrying their real metadata but only the given children.
    func archive(
        layout: [String: Layout], directory: String?, relative: String, parents: [String: TreeNode], uploads: inout Uploads
    ) async throws -> [TreeNode] {
        var nodes: [TreeNode] = []
        // What holds a closing entry comes last at every level, so closing entries are read
        // after every other entry; the tree keeps its entries in name order all the same.
        let order = layout.sorted { ($0.value.holdsClosing ? 1 : 0, $0.key) < ($1.value.holdsClosing ? 1 : 0, $1.key) }
        for (name, entry) in order {
            let rel = relative.isEmpty ? name : relative + "/" + name
            switch entry {
            case .path(let p):
                if let node = try await archive(path: p, name: name, relative: rel, parent: parents[name], uploads: &uploads) {
                    nodes.append(node)
                }
            case .node(let node):
                nodes.append(node)
            case .closing(let stream):
                nodes.append(try await archive(stream: stream, name: name, uploads: &uploads))
            case .directory(let children):
                let path = directory.map { $0 + "/" + name }
                // A directory that only streamed entries need has no counterpart on disk.
                let meta = path.flatMap { try? FileMetadata.lstat($0) }.flatMap { $0.kind == .directory ? $0 : nil }
                var parentChildren: [String: TreeNode] = [:]
                if let parent = parents[name], parent.type == .directory, let sub = parent.subtree, try index.contains(sub) {
                    for n in try await repo.loadTree(sub, index: index).nodes { parentChildren[n.name] = n }
                }
                var node = TreeNode(
                    name: name, type: .directory, mode: meta?.mode ?? 0o700, mtime: meta?.mtime ?? started.timeIntervalSince1970)
                let inner = try await archive(
                    layout: children, directory: meta == nil ? nil : path, relative: rel, parents: parentChildren, uploads: &uploads)
                summary.directories += 1
                node.subtree = try await storeTree(Tree(nodes: inner), uploads: &uploads)
                nodes.append(node)
            }
        }
        return nodes.sorted { $0.name < $1.name }
    }
}
