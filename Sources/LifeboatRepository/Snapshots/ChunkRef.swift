import Foundation
import LifeboatCore

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
