import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// An index file that is stored but cannot be read, and why.
public struct DamagedIndexFile: Sendable, Hashable {
    /// The index file's name.
    public var id: ObjectID
    /// What is wrong with it, naming the object.
    public var reason: String
}

/// What `repair index` did.
public struct IndexRepairReport: Sendable, Codable {
    /// Index files that could not be read, deleted once their packs were indexed anew.
    public var damagedIndexFiles: [String] = []
    /// Packs no readable index file listed, indexed from their own headers.
    public var packsIndexed = 0
    /// Blobs those packs hold.
    public var blobsIndexed = 0
    /// Index files written.
    public var indexFilesWritten = 0
    /// Packs whose header cannot be read either: their blobs are lost to the index, and
    /// `check` names the snapshots that need them.
    public var unreadablePacks: [String] = []

    /// An empty report.
    public init() {}
}

extension Repository {
    /// Reads a pack's entry list from its tail alone (two ranged reads), after checking the
    /// tail against the pack's name.
    func readPackHeader(_ pack: ObjectID, size: Int) async throws -> [PackEntry] {
        let name = ObjectName(.data, pack.hex)
        guard size > 4 else { throw LifeboatError(.corrupted, "pack \(name) is truncated (\(size) bytes)") }
        let lengthBytes = try await storage.getRange(name, offset: size - 4, length: 4)
        guard lengthBytes.count == 4 else { throw LifeboatError(.corrupted, "pack \(name) is truncated") }
        let headerLength = Int(lengthBytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self).littleEndian })
        guard headerLength > MasterKey.sealingOverhead, headerLength + 4 <= size else {
            throw LifeboatError(.corrupted, "pack \(name) has an impossible header length \(headerLength)")
        }
        let start = size - 4 - headerLength
        let tail = try await storage.getRange(name, offset: start, length: headerLength + 4)
        guard PackFormat.name(ofTail: tail) == pack else {
            throw LifeboatError(.corrupted, "pack \(name) is damaged: its header does not match its name (SHA-256)")
        }
        return try PackFormat.readHeader(of: tail, key: key, name: name.description, baseOffset: start)
    }

    /// Adds to `index` the entries of every stored pack it does not know, read from the
    /// packs' own headers: what a damaged index file listed. Returns the packs whose header
    /// cannot be read either, with the reason.
    func indexUnlistedPacks(into index: inout ChunkIndex) async throws -> [(pack: String, reason: String)] {
        var unreadable: [(String, String)] = []
        for info in try await storage.list(.data) {
            guard let pack = ObjectID(hex: info.name.name), index.number(of: pack) == nil else { continue }
            do {
                for entry in try await readPackHeader(pack, size: info.size) { try index.insert(entry, pack: pack) }
            } catch let e as LifeboatError where e.code == .corrupted || e.code == .notFound {
                unreadable.append((info.name.description, e.message))
            }
        }
        return unreadable
    }

    /// Rebuilds the index of every pack that no readable index file lists, from the packs'
    /// own headers, and deletes the damaged index files, under the exclusive lock.
    ///
    /// The new index files are stored (the last naming the damaged ones it supersedes)
    /// before any damaged file is deleted, so a kill at any point leaves an index at least
    /// as complete as before.
    public func repairIndex(progress: any ProgressReporter = SilentProgress()) async throws -> IndexRepairReport {
        try requireReadable("repair the index")
        return try await withLock(exclusive: true, operation: "repair index") {
            var report = IndexRepairReport()
            var listed = Set<ObjectID>()
            var damaged: [ObjectID] = []
            for id in try await self.indexFiles().ids {
                do {
                    let file = try IndexFile.decode(try await self.getObject(.index, id), name: "index/\(id.hex)")
                    for pack in file.packs { listed.insert(pack.id) }
                } catch let e as LifeboatError where e.code == .corrupted {
                    damaged.append(id)
                    report.damagedIndexFiles.append("index/\(id.hex)")
                    self.logger.warning("index file is damaged", metadata: ["index": "\(id.hex)", "error": "\(e.message)"])
                }
            }
            var pending = IndexFile()
            func flush(last: Bool) async throws {
                guard (last && (!pending.packs.isEmpty || !damaged.isEmpty)) || pending.entryCount >= Archiver.indexFlushEntries
                else { return }
                if last { pending.supersedes = damaged }
                _ = try await self.putObject(.index, pending.encode(), compress: false)
                report.indexFilesWritten += 1
                pending = IndexFile()
            }
            let stored = try await self.storage.list(.data)
            for (n, info) in stored.enumerated() {
                guard let pack = ObjectID(hex: info.name.name), !listed.contains(pack) else { continue }
                do {
                    let entries = try await self.readPackHeader(pack, size: info.size)
                    pending.packs.append((pack, entries))
                    report.packsIndexed += 1
                    report.blobsIndexed += entries.count
                } catch let e as LifeboatError where e.code == .corrupted || e.code == .notFound {
                    report.unreadablePacks.append("\(info.name): \(e.message)")
                }
                progress.report(
                    ProgressEvent(
                        phase: "repair index", bytesDone: 0, bytesTotal: 0, filesDone: n + 1, filesTotal: stored.count,
                        current: info.name.description))
                try await flush(last: false)
            }
            try await flush(last: true)
            for id in damaged { try await self.storage.delete(ObjectName(.index, id.hex)) }
            self.logger.info(
                "index repaired",
                metadata: [
                    "repair.damaged_index_files": "\(damaged.count)", "repair.packs_indexed": "\(report.packsIndexed)",
                    "repair.unreadable_packs": "\(report.unreadablePacks.count)",
                ])
            return report
        }
    }
}
