import Foundation
import LifeboatCore

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
