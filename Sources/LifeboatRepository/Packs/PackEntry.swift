import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// One blob's place in a pack: what it is, where its sealed bytes lie, how long its plaintext is.
///
/// Sealed objects in a pack are *frames*: one frame holds one blob, or several blobs
/// (consecutive new database pages of one backup) compressed and sealed together. All
/// members of a frame share `offset` and `length`; `inner` is where a member's plaintext
/// starts in the frame's plaintext. A frame is sealed bound to the id of its member at
/// `inner` 0, its *first* member.
public struct PackEntry: Hashable, Sendable {
    /// Data or tree.
    public var type: BlobType
    /// The keyed id of the blob's plaintext.
    public var id: ObjectID
    /// Offset of the sealed frame holding the blob in the pack.
    public var offset: UInt32
    /// Length of that sealed frame.
    public var length: UInt32
    /// Length of the blob's plaintext (before compression).
    public var rawLength: UInt32
    /// Offset of the blob's plaintext in its frame's plaintext; 0 for the first member.
    public var inner: UInt32 = 0

    /// An entry; `inner` is 0 for a blob alone in its frame.
    public init(type: BlobType, id: ObjectID, offset: UInt32, length: UInt32, rawLength: UInt32, inner: UInt32 = 0) {
        self.type = type
        self.id = id
        self.offset = offset
        self.length = length
        self.rawLength = rawLength
        self.inner = inner
    }

    /// Bytes one entry takes in a pack header or index file (format 2; format 1 had no `inner`).
    static let encodedSize = 1 + 32 + 4 + 4 + 4 + 4

    func encode(into out: inout [UInt8]) {
        out.append(type.rawValue)
        id.append(to: &out)
        out.appendLE(offset)
        out.appendLE(length)
        out.appendLE(rawLength)
        out.appendLE(inner)
    }

    /// Decodes one entry written by format `version` (1: without `inner`).
    static func decode(_ reader: inout ByteReader, version: UInt8) throws -> PackEntry {
        let typeByte = try reader.u8()
        guard let type = BlobType(rawValue: typeByte) else {
            throw LifeboatError(.corrupted, "unknown blob type \(typeByte)")
        }
        var entry = PackEntry(
            type: type, id: try reader.id(), offset: try reader.u32(), length: try reader.u32(), rawLength: try reader.u32())
        if version >= 2 { entry.inner = try reader.u32() }
        return entry
    }

    /// The first member of each frame, by frame offset: the id each frame is sealed bound to.
    static func frameBindings<S: Sequence>(_ entries: S) -> [UInt32: ObjectID] where S.Element == PackEntry {
        var out: [UInt32: ObjectID] = [:]
        for e in entries where e.inner == 0 && out[e.offset] == nil { out[e.offset] = e.id }
        return out
    }
}
