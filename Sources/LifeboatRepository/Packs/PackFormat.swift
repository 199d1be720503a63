import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

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
