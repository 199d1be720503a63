import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatProcess

#if canImport(Glibc)
    import Glibc
#endif

extension Repository {
    /// The file node at `path` (relative to the snapshot root, e.g. `postgres/validator.dump`).
    public func fileNode(_ snapshot: SnapshotRecord, path: String) async throws -> TreeNode {
        let index = try await loadIndex()
        return try await fileNode(snapshot, path: path, index: index)
    }

    func fileNode(_ snapshot: SnapshotRecord, path: String, index: ChunkIndex) async throws -> TreeNode {
        let parts = path.split(separator: "/").map(String.init)
        var tree = try await loadTree(snapshot.snapshot.tree, index: index)
        for (i, part) in parts.enumerated() {
            guard let node = tree.nodes.first(where: { $0.name == part }) else { break }
            if i == parts.count - 1 {
                guard node.type == .file else {
                    throw LifeboatError(.invalidArgument, "\(path) in snapshot \(snapshot.id.short) is not a regular file")
                }
                return node
            }
            guard node.type == .directory, let sub = node.subtree else { break }
            tree = try await loadTree(sub, index: index)
        }
        throw LifeboatError(.notFound, "snapshot \(snapshot.id.short) has no file \(path)")
    }

    /// Streams one file of a snapshot into `fd` (a pipe, socket or open file) without a
    /// temporary copy, and returns the bytes written. Size and SHA-256 are checked at the
    /// end: a mismatch throws `.corrupted`, and whoever reads `fd` must then discard what it got.
    @discardableResult
    public func readFile(_ snapshot: SnapshotRecord, path: String, to fd: Int32) async throws -> Int64 {
        BrokenPipe.ignore()
        let index = try await loadIndex()
        let node = try await fileNode(snapshot, path: path, index: index)
        var planner = WindowPlanner(node: node)
        var sha = StreamingSHA256()
        var written: Int64 = 0
        while let window = try await planner.next(repo: self, index: index) {
            let bytes = try await window.assemble(repo: self)
            try bytes.withUnsafeBytes { buf in
                sha.update(buf)
                try DescriptorWrite.writeAll(fd, buf, path: path)
            }
            written += Int64(bytes.count)
        }
        guard written == node.size ?? written else {
            throw LifeboatError(.corrupted, "\(path): read \(written) bytes, the snapshot records \(node.size ?? 0)")
        }
        if let expected = node.sha256, sha.finalizeHex() != expected {
            throw LifeboatError(.corrupted, "\(path): its SHA-256 does not match the one recorded in snapshot \(snapshot.id.short)")
        }
        return written
    }

    /// Reads one small file of a snapshot (a manifest) into memory, verified.
    public func readSmallFile(_ snapshot: SnapshotRecord, path: String, limit: Int64 = 16 << 20) async throws -> [UInt8] {
        let index = try await loadIndex()
        let node = try await fileNode(snapshot, path: path, index: index)
        guard (node.size ?? 0) <= limit else {
            throw LifeboatError(.invalidArgument, "\(path) in snapshot \(snapshot.id.short) is larger than \(limit) bytes")
        }
        var planner = WindowPlanner(node: node)
        var out: [UInt8] = []
        while let window = try await planner.next(repo: self, index: index) { out += try await window.assemble(repo: self) }
        var sha = StreamingSHA256()
        out.withUnsafeBytes { sha.update($0) }
        guard out.count == node.size ?? Int64(out.count), node.sha256 == nil || sha.finalizeHex() == node.sha256 else {
            throw LifeboatError(.corrupted, "\(path) in snapshot \(snapshot.id.short) does not match its recorded size and SHA-256")
        }
        return out
    }

    /// Streams one file of a snapshot into a command's stdin (e.g. `pg_restore`), waits for
    /// the command and throws, quoting its stderr, unless it succeeds. Returns its stderr.
    @discardableResult
    public func readFile(_ snapshot: SnapshotRecord, path: String, into command: Command) async throws -> String {
        let child = try ChildProcess(command, pipeStdin: true, pipeStdout: false)
        do {
            try await readFile(snapshot, path: path, to: child.stdin)
        } catch {
            if (error as? LifeboatError)?.code == .io {
                // A write that failed means the command stopped reading: its failure says why.
                child.closeStdin()
                try await child.checkSuccess("feeding \(path) to \(child.name) failed")
            }
            child.kill()
            _ = await child.wait()
            child.closeStdin()
            throw error
        }
        child.closeStdin()
        try await child.checkSuccess("restoring \(path) with \(child.name) failed")
        return child.stderrText()
    }
}
