import Foundation
import LifeboatCore
import LifeboatStorage

/// Sizes of a repository: what the snapshots hold and what storage holds.
public struct RepositoryStats: Sendable, Codable {
    /// Number of snapshots.
    public var snapshots: Int
    /// Sum of the logical sizes of every snapshot (what restoring all of them would write).
    public var logicalBytes: Int64
    /// Plaintext bytes of the distinct blobs stored (after deduplication, before compression).
    public var uniqueBytes: Int64
    /// Bytes in storage: packs, index files, snapshots, keys and config.
    public var storedBytes: Int64
    /// Distinct blobs.
    public var blobs: Int
    /// Pack objects.
    public var packs: Int
    /// logicalBytes / storedBytes: how many times smaller the repository is than plain copies.
    public var dedupRatio: Double
    /// uniqueBytes / pack bytes: what compression saves.
    public var compressionRatio: Double
}

extension Repository {
    /// Computes sizes from the index, snapshots and storage listing.
    public func stats() async throws -> RepositoryStats {
        try requireReadable("read the repository's statistics")
        let snapshots = try await snapshots()
        var unique: Int64 = 0
        var blobs = Set<ObjectID>()
        for id in try await listIDs(.index) {
            let file = try IndexFile.decode(try await getObject(.index, id), name: "index/\(id.hex)")
            for pack in file.packs {
                for e in pack.entries where blobs.insert(e.id).inserted { unique += Int64(e.rawLength) }
            }
        }
        var stored: Int64 = 0
        var packBytes: Int64 = 0
        var packs = 0
        for kind in ObjectKind.allCases where kind != .locks {
            for info in try await storage.list(kind) {
                stored += Int64(info.size)
                if kind == .data {
                    packBytes += Int64(info.size)
                    packs += 1
                }
            }
        }
        let logical = snapshots.reduce(Int64(0)) { $0 + $1.snapshot.summary.bytes }
        return RepositoryStats(
            snapshots: snapshots.count, logicalBytes: logical, uniqueBytes: unique, storedBytes: stored, blobs: blobs.count,
            packs: packs, dedupRatio: stored > 0 ? Double(logical) / Double(stored) : 0,
            compressionRatio: packBytes > 0 ? Double(unique) / Double(packBytes) : 0)
    }
}
