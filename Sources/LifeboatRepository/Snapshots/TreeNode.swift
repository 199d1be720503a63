import Foundation
import LifeboatCore

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
