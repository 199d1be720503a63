import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// What a blob in a pack holds.
public enum BlobType: UInt8, Sendable, Codable {
    /// A chunk of file content.
    case data = 0
    /// A directory listing (JSON tree) or a chunk list of a large file.
    case tree = 1
}

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

/// The layout of a pack: sealed blobs back to back, then the sealed header listing
/// them, then the header's length as 4 little-endian bytes.
///
/// A pack is named by the SHA-256 of its tail: the sealed header and its length. The
/// header lists every blob's keyed id, frame place and length and is authenticated, and
/// every frame is authenticated bound to its first member's id, so damage anywhere in a
/// pack is found and named without hashing all of its bytes again.
enum PackFormat {
    /// The name of a pack whose tail (sealed header ‖ header length) is `tail`.
    static func name<Bytes: DataProtocol>(ofTail tail: Bytes) -> ObjectID { Digest.sha256(tail) }

    /// The tail of a whole pack, or nil when its stated header length cannot be right.
    static func tail(of pack: Data) -> Data.SubSequence? {
        guard pack.count >= 4 else { return nil }
        let headerLength = Int(pack.suffix(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self).littleEndian })
        guard headerLength + 4 <= pack.count else { return nil }
        return pack.suffix(headerLength + 4)
    }

    static let headerMagic = Array("LBPK".utf8)
    /// Written by this version; format 1 (no frames, no `inner`) is still read.
    static let version: UInt8 = 2

    /// A pack's tail for these entries: the sealed header and its length.
    static func tail(for entries: [PackEntry], key: MasterKey) throws -> Data {
        var tail = try key.seal(headerPlaintext(entries))
        var length = UInt32(tail.count).littleEndian
        withUnsafeBytes(of: &length) { tail.append(contentsOf: $0) }
        return tail
    }

    /// The entries of a sealed frame of several blobs at `offset`, each member given as
    /// (type, id, raw length, inner offset).
    static func frameEntries(offset: Int, length: Int, members: [FrameMember]) -> [PackEntry] {
        members.map {
            PackEntry(
                type: $0.type, id: $0.id, offset: UInt32(offset), length: UInt32(length), rawLength: UInt32($0.rawLength),
                inner: UInt32($0.inner))
        }
    }

    /// The pack's header plaintext.
    static func headerPlaintext(_ entries: [PackEntry]) -> [UInt8] {
        var out = headerMagic
        out.append(version)
        out.appendLE(UInt32(entries.count))
        out.reserveCapacity(out.count + entries.count * PackEntry.encodedSize)
        for e in entries { e.encode(into: &out) }
        return out
    }

    /// Reads the entry list from the end of a pack held in memory; `baseOffset` is where
    /// `pack` starts within the whole pack (0 for a whole pack, the header start for a tail).
    static func readHeader(of pack: Data, key: MasterKey, name: String, baseOffset: Int = 0) throws -> [PackEntry] {
        guard pack.count >= 4 else { throw LifeboatError(.corrupted, "pack \(name) is truncated") }
        let lengthBytes = pack.suffix(4)
        let headerLength = Int(lengthBytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self).littleEndian })
        guard headerLength + 4 <= pack.count, headerLength > MasterKey.sealingOverhead else {
            throw LifeboatError(.corrupted, "pack \(name) has an impossible header length \(headerLength)")
        }
        let start = pack.count - 4 - headerLength
        let sealed = pack[(pack.startIndex + start)..<(pack.endIndex - 4)]
        let plain = try key.open(sealed, what: "header of pack \(name)")
        var reader = ByteReader(Array(plain))
        let formatVersion: UInt8
        do {
            guard try reader.bytes(4) == headerMagic else { throw LifeboatError(.corrupted, "bad magic") }
            formatVersion = try reader.u8()
        } catch {
            throw LifeboatError(.corrupted, "header of pack \(name) has an unknown format")
        }
        guard formatVersion == 1 || formatVersion == version else {
            throw LifeboatError(.corrupted, "header of pack \(name) has an unknown format \(formatVersion)")
        }
        let count = Int(try reader.u32())
        var entries = [PackEntry]()
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let e = try PackEntry.decode(&reader, version: formatVersion)
            guard Int(e.offset) + Int(e.length) <= start + baseOffset else {
                throw LifeboatError(.corrupted, "header of pack \(name) points past its blobs")
            }
            entries.append(e)
        }
        return entries
    }
}

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

/// The pack a backup is filling: streamed to storage as it fills where the storage can
/// (a local directory, ``ObjectStreamWriter``), else gathered in memory (``PackBuilder``)
/// and stored whole when finished.
struct OpenPack: Sendable {
    private let storage: any ObjectStorage
    private let capacity: Int
    private var memory: PackBuilder?
    private var stream: (any ObjectStreamWriter)?
    private var streamed = 0
    private(set) var entries: [PackEntry] = []

    init(storage: any ObjectStorage, capacity: Int) {
        self.storage = storage
        self.capacity = capacity
    }

    var isEmpty: Bool { entries.isEmpty }
    var size: Int { memory?.size ?? streamed }
    /// Whether the pack is held whole in memory until stored.
    var isBuffered: Bool { memory != nil }

    private mutating func put(_ sealed: Data) async throws {
        if memory == nil && stream == nil {
            if let writer = try storage.makeStreamWriter() { stream = writer } else { memory = PackBuilder(capacity: capacity) }
        }
        if let stream {
            try await stream.write(sealed)
            streamed += sealed.count
        } else {
            memory?.appendBytes(sealed)
        }
    }

    /// Appends a blob sealed alone in its frame.
    mutating func append(type: BlobType, id: ObjectID, sealed: Data, rawLength: Int) async throws {
        let offset = UInt32(size)
        try await put(sealed)
        entries.append(PackEntry(type: type, id: id, offset: offset, length: UInt32(sealed.count), rawLength: UInt32(rawLength)))
    }

    /// Appends a sealed frame of several blobs (see ``PackBuilder/appendFrame(_:members:)``).
    mutating func appendFrame(_ sealed: Data, members: [FrameMember]) async throws {
        let offset = size
        try await put(sealed)
        entries += PackFormat.frameEntries(offset: offset, length: sealed.count, members: members)
    }

    /// Seals the header onto the pack and stores it (unsynced: the storage's `flush` makes
    /// it durable); returns its id, size and entries.
    func finish(key: MasterKey) async throws -> (id: ObjectID, size: Int, entries: [PackEntry]) {
        let tail = try PackFormat.tail(for: entries, key: key)
        let id = PackFormat.name(ofTail: tail)
        if let stream {
            do {
                try await stream.write(tail)
                let size = stream.count
                try await stream.commit(as: ObjectName(.data, id.hex))
                return (id, size, entries)
            } catch {
                await stream.abandon()
                throw error
            }
        }
        guard var memory else { throw LifeboatError(.internalError, "finishing an empty pack") }
        memory.appendBytes(tail)
        try await storage.putUnsynced(ObjectName(.data, id.hex), memory.bytes)
        return (id, memory.size, entries)
    }

    /// Gives up a pack that will not be finished (a failed backup): nothing stays behind.
    func abandon() async {
        await stream?.abandon()
    }
}

/// One blob inside a frame being written.
struct FrameMember: Sendable {
    var type: BlobType
    var id: ObjectID
    var rawLength: Int
    var inner: Int
}

/// Reads little-endian fields from a byte array, throwing `.corrupted` when it runs out.
struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, position + n <= bytes.count else { throw LifeboatError(.corrupted, "record truncated") }
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    mutating func u8() throws -> UInt8 {
        guard position < bytes.count else { throw LifeboatError(.corrupted, "record truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u32() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw LifeboatError(.corrupted, "record truncated") }
        defer { position += 4 }
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt32.self)) }
    }

    mutating func id() throws -> ObjectID {
        guard position + 32 <= bytes.count else { throw LifeboatError(.corrupted, "record truncated") }
        defer { position += 32 }
        return bytes.withUnsafeBytes { ObjectID(raw: UnsafeRawBufferPointer(rebasing: $0[position..<(position + 32)])) }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
