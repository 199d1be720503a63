import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// Gathers sealed blobs into one pack until it reaches its target size.
struct PackBuilder {
    private(set) var bytes = Data()
    private(set) var entries: [PackEntry] = []

    /// Room for the last frame past `capacity` and a header of thousands of entries, so
    /// finishing a pack never reallocates it.
    init(capacity: Int) { bytes.reserveCapacity(capacity + 1 << 19) }

    var isEmpty: Bool { entries.isEmpty }
    var size: Int { bytes.count }

    mutating func append(type: BlobType, id: ObjectID, sealed: Data, rawLength: Int) {
        entries.append(
            PackEntry(type: type, id: id, offset: UInt32(bytes.count), length: UInt32(sealed.count), rawLength: UInt32(rawLength)))
        bytes.append(sealed)
    }

    /// Appends bytes whose entries the caller records (``OpenPack``).
    mutating func appendBytes(_ sealed: Data) { bytes.append(sealed) }

    /// Appends a sealed frame of several blobs, each given as (type, id, raw length, inner
    /// offset); the first must be the member at inner offset 0 the frame is sealed bound to.
    mutating func appendFrame(_ sealed: Data, members: [FrameMember]) {
        entries += PackFormat.frameEntries(offset: bytes.count, length: sealed.count, members: members)
        bytes.append(sealed)
    }

    /// Seals the header onto the pack and returns its id, bytes and entries.
    mutating func finish(key: MasterKey) throws -> (id: ObjectID, data: Data, entries: [PackEntry]) {
        let tail = try PackFormat.tail(for: entries, key: key)
        bytes.append(tail)
        return (PackFormat.name(ofTail: tail), bytes, entries)
    }
}
