import Foundation
import LifeboatCore

/// The plaintext of an index file: which blobs each pack holds, and which older index
/// files this one replaces (prune writes a new index before deleting the old ones).
struct IndexFile: Sendable {
    static let magic = Array("LBIX".utf8)
    /// Written by this version; format 1 (entries without `inner`) is still read.
    static let version: UInt8 = 2

    /// Index files whose content this one includes; they may be deleted once this one is stored.
    var supersedes: [ObjectID] = []
    /// Pack id and its entries.
    var packs: [(id: ObjectID, entries: [PackEntry])] = []

    var entryCount: Int { packs.reduce(0) { $0 + $1.entries.count } }

    func encode() -> [UInt8] {
        var out = Self.magic
        out.append(Self.version)
        out.appendLE(UInt32(supersedes.count))
        for id in supersedes { id.append(to: &out) }
        out.appendLE(UInt32(packs.count))
        for pack in packs {
            pack.id.append(to: &out)
            out.appendLE(UInt32(pack.entries.count))
            for e in pack.entries { e.encode(into: &out) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> IndexFile {
        do {
            var r = ByteReader(bytes)
            guard try r.bytes(4) == magic else { throw LifeboatError(.corrupted, "index \(name) has an unknown format") }
            let formatVersion = try r.u8()
            guard formatVersion == 1 || formatVersion == version else {
                throw LifeboatError(.corrupted, "index \(name) has an unknown format \(formatVersion)")
            }
            let entrySize = formatVersion == 1 ? PackEntry.encodedSize - 4 : PackEntry.encodedSize
            var file = IndexFile()
            for _ in 0..<(try r.u32()) { file.supersedes.append(try r.id()) }
            let packCount = Int(try r.u32())
            for _ in 0..<packCount {
                let id = try r.id()
                let n = Int(try r.u32())
                guard n * entrySize <= r.remaining else {
                    throw LifeboatError(.corrupted, "index \(name) is truncated")
                }
                var entries = [PackEntry]()
                entries.reserveCapacity(n)
                for _ in 0..<n { entries.append(try PackEntry.decode(&r, version: formatVersion)) }
                file.packs.append((id, entries))
            }
            return file
        } catch let e as LifeboatError {
            throw LifeboatError(.corrupted, "index \(name) is damaged: \(e.message)")
        }
    }
}
