import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// What ``Repository/verifyRestored(_:target:)`` found.
public struct RestoreVerification: Sendable, Codable {
    /// Files compared.
    public var files = 0
    /// Bytes read from the target.
    public var bytes: Int64 = 0
    /// Entries that are missing or differ, each with the reason.
    public var mismatches: [String] = []
    /// Each file compared, by its path in the snapshot, with the SHA-256 (hex) read back.
    public var sha256s: [String: String] = [:]

    /// Creates an empty result.
    public init() {}

    /// SHA-256 (hex) over the files read back: one line `PATH SHA256` each, sorted by path.
    public var digest: String {
        var sha = StreamingSHA256()
        for (path, hex) in sha256s.sorted(by: { $0.key < $1.key }) {
            Array("\(path) \(hex)\n".utf8).withUnsafeBytes { sha.update($0) }
        }
        return sha.finalizeHex()
    }
}

extension Repository {
    /// Reads a restored directory back and compares every file of the snapshot with it: type,
    /// size and SHA-256. Extra files in the target are ignored.
    public func verifyRestored(_ snapshot: SnapshotRecord, target: String) async throws -> RestoreVerification {
        let index = try await loadIndex()
        var result = RestoreVerification()
        let root = try await loadTree(snapshot.snapshot.tree, index: index)
        try await verify(root, at: target, relative: "", index: index, into: &result)
        return result
    }

    private func verify(
        _ tree: Tree, at directory: String, relative: String, index: ChunkIndex, into result: inout RestoreVerification
    ) async throws {
        for node in tree.nodes {
            let path = directory + "/" + node.name
            let rel = relative.isEmpty ? node.name : relative + "/" + node.name
            let meta: FileMetadata
            do {
                meta = try FileMetadata.lstat(path)
            } catch {
                result.mismatches.append("\(rel): missing")
                continue
            }
            switch node.type {
            case .directory:
                guard meta.kind == .directory else {
                    result.mismatches.append("\(rel): expected a directory")
                    continue
                }
                if let sub = node.subtree {
                    try await verify(try await loadTree(sub, index: index), at: path, relative: rel, index: index, into: &result)
                }
            case .symlink:
                let target = try? FileMetadata.readLink(path)
                if meta.kind != .symlink || target != node.target { result.mismatches.append("\(rel): symlink differs") }
            case .file:
                guard meta.kind == .file else {
                    result.mismatches.append("\(rel): expected a regular file")
                    continue
                }
                result.files += 1
                let digest = try Self.sha256(ofFile: path)
                result.bytes += digest.size
                result.sha256s[rel] = digest.hex
                if digest.size != (node.size ?? -1) {
                    result.mismatches.append("\(rel): size \(digest.size), snapshot has \(node.size ?? 0)")
                } else if digest.hex != node.sha256 {
                    result.mismatches.append("\(rel): SHA-256 differs from the snapshot")
                }
            }
        }
    }

    static func sha256(ofFile path: String) throws -> (hex: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LifeboatError(.io, "cannot open \(path) to verify it")
        }
        defer { try? handle.close() }
        var sha = StreamingSHA256()
        var size: Int64 = 0
        while true {
            let data = try handle.read(upToCount: 1 << 20) ?? Data()
            if data.isEmpty { break }
            size += Int64(data.count)
            data.withUnsafeBytes { sha.update($0) }
        }
        return (sha.finalizeHex(), size)
    }
}

extension Repository {
    /// The bytes the repository's objects take in storage, from a listing (nothing is read).
    public func storedBytes() async throws -> Int64 {
        var total: Int64 = 0
        for kind in ObjectKind.allCases {
            for info in try await storage.list(kind) { total += Int64(info.size) }
        }
        return total
    }
}
