import Foundation
import LifeboatCore

/// A directory listing as stored in a tree blob.
struct Tree: Codable, Sendable {
    var nodes: [TreeNode]
}

/// One entry in a directory: a file, directory or symlink with its metadata.
public struct TreeNode: Codable, Sendable, Hashable {
    /// The kind of file-system object.
    public enum NodeType: String, Codable, Sendable {
        case file, directory = "dir", symlink
    }

    /// The entry's name within its directory.
    public var name: String
    /// File, directory or symlink.
    public var type: NodeType
    /// Permission bits (e.g. 0o640).
    public var mode: UInt32
    /// Modification time, seconds since 1970 with nanoseconds.
    public var mtime: Double
    /// Size in bytes (files).
    public var size: Int64?
    /// SHA-256 of the whole file's content, lower-case hex (files).
    public var sha256: String?
    /// The content chunks in order, inline when few (files).
    public var chunks: [ChunkRef]?
    /// Blobs that hold the chunk list of a large file, in order (files).
    public var chunkLists: [ObjectID]?
    /// How the file was chunked: `sqlite` or `bbolt` (by page), or nil (content-defined).
    public var format: String?
    /// The page size of a page-structured database file.
    public var pageSize: Int?
    /// When a live database was captured (its consistent point in time).
    public var capturedAt: Date?
    /// The subtree of a directory.
    public var subtree: ObjectID?
    /// The target of a symlink.
    public var target: String?
}

/// A content chunk: its keyed id and plaintext length.
public struct ChunkRef: Codable, Sendable, Hashable {
    /// The chunk's keyed id.
    public var id: ObjectID
    /// The chunk's plaintext length.
    public var length: Int

    /// Creates a reference.
    public init(id: ObjectID, length: Int) {
        self.id = id
        self.length = length
    }

    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        id = try c.decode(ObjectID.self)
        length = try c.decode(Int.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(id)
        try c.encode(length)
    }
}

/// The binary chunk-list blob of a large file: entries of id (32 bytes) and length (4 bytes, LE).
enum ChunkList {
    /// Chunks per list blob: 512 × 36 bytes ≈ 18 KiB, small enough that an append or a
    /// local change rewrites little of the list.
    static let entriesPerBlob = 512
    /// Inline lists up to this many chunks stay in the tree JSON.
    static let inlineLimit = 64

    static func encode(_ refs: ArraySlice<ChunkRef>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(refs.count * 36)
        for r in refs {
            r.id.append(to: &out)
            out.appendLE(UInt32(r.length))
        }
        return out
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> [ChunkRef] {
        guard bytes.count % 36 == 0 else { throw LifeboatError(.corrupted, "chunk list \(name) has a partial entry") }
        var r = ByteReader(bytes)
        var out = [ChunkRef]()
        out.reserveCapacity(bytes.count / 36)
        while r.remaining > 0 { out.append(ChunkRef(id: try r.id(), length: Int(try r.u32()))) }
        return out
    }
}
