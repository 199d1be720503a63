import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// What `check` found: errors are damage, warnings are leftovers that harm nothing.
public struct CheckReport: Sendable, Codable {
    /// Damage: objects that fail their hash or authentication, missing packs or blobs.
    public var errors: [String] = []
    /// Harmless findings, such as packs left by an interrupted backup.
    public var warnings: [String] = []
    /// Snapshots checked.
    public var snapshots = 0
    /// Packs in storage.
    public var packs = 0
    /// Blobs in the index.
    public var blobs = 0
    /// Packs read and verified blob by blob (with `--read-data`).
    public var packsRead = 0
}

extension Repository {
    /// Verifies the repository's structure, and with `readData` every byte of every pack.
    public func check(readData: Bool, progress: any ProgressReporter = SilentProgress()) async throws -> CheckReport {
        try requireReadable("check the repository")
        return try await withLock(exclusive: false, operation: "check") {
            var checker = Checker(repo: self, progress: progress)
            try await checker.run(readData: readData)
            return checker.report
        }
    }
}

struct Checker {
    let repo: Repository
    let progress: any ProgressReporter
    var report = CheckReport()
    /// Every blob the index lists and the first pack holding it, in bounded memory.
    var index = ChunkIndex()
    /// Per pack the index lists: the end of its last blob, and one digest of its entry
    /// list per index file listing it (the same list gives the same digest), so the pack's
    /// header can be compared without holding every entry in memory.
    var indexedPacks: [ObjectID: (end: Int, digests: Set<ObjectID>)] = [:]
    /// Index files that cannot be read.
    var damagedIndexFiles = 0
    /// Packs no readable index file lists, indexed from their headers because an index file
    /// is damaged (they are likely what it listed, so they are not called leftovers).
    var recoveredPacks = Set<ObjectID>()

    init(repo: Repository, progress: any ProgressReporter) {
        self.repo = repo
        self.progress = progress
    }

    /// An order-independent digest of a pack's entry list (duplicates counted once).
    static func digest(_ entries: [PackEntry]) -> ObjectID {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * PackEntry.encodedSize)
        for e in Set(entries).sorted(by: { ($0.offset, $0.inner, $0.id) < ($1.offset, $1.inner, $1.id) }) { e.encode(into: &bytes) }
        return Digest.sha256(bytes)
    }

    mutating func run(readData: Bool) async throws {
        try await checkKeySlots()
        try await loadIndexes()
        let stored = try await checkPacksPresent()
        try await checkSnapshots(index: index)
        if readData { try await readPacks(stored) }
    }

    private mutating func checkKeySlots() async throws {
        for info in try await repo.storage.list(.keys) {
            let bytes = try await repo.storage.get(info.name)
            if Digest.sha256(bytes).hex != info.name.name {
                report.errors.append("key slot \(info.name) is damaged: its content does not match its name (SHA-256)")
            }
        }
    }

    private mutating func loadIndexes() async throws {
        let (files, bound) = try await repo.indexFiles()
        index = ChunkIndex(capacity: bound + 1024)
        for id in files {
            do {
                let file = try IndexFile.decode(try await repo.getObject(.index, id), name: "index/\(id.hex)")
                for pack in file.packs {
                    let end = pack.entries.map { Int($0.offset) + Int($0.length) }.max() ?? 0
                    var known = indexedPacks[pack.id] ?? (0, [])
                    known.end = Swift.max(known.end, end)
                    known.digests.insert(Self.digest(pack.entries))
                    indexedPacks[pack.id] = known
                    for e in pack.entries { try index.insert(e, pack: pack.id) }
                }
            } catch let e as LifeboatError {
                report.errors.append(e.message + " (`lifeboat repair index` indexes its packs again from their headers)")
                damagedIndexFiles += 1
            }
        }
        if damagedIndexFiles > 0 {
            // The snapshots are walked against what the packs themselves hold, so a damaged
            // index file is one finding, not one per blob it listed.
            let before = Set(index.packs)
            for (_, reason) in try await repo.indexUnlistedPacks(into: &index) {
                report.errors.append("\(reason) (no readable index file lists this pack)")
            }
            recoveredPacks = Set(index.packs).subtracting(before)
        }
        try index.consolidate()
        report.blobs = index.count
    }

    private mutating func checkPacksPresent() async throws -> [ObjectInfo] {
        let stored = try await repo.storage.list(.data)
        report.packs = stored.count
        let present = Dictionary(stored.map { ($0.name.name, $0.size) }, uniquingKeysWith: { a, _ in a })
        for (pack, known) in indexedPacks {
            guard let size = present[pack.hex] else {
                report.errors.append("pack data/\(pack.hex) is listed in the index but missing from storage")
                continue
            }
            let end = known.end
            if end > size {
                report.errors.append("pack data/\(pack.hex) is \(size) bytes but the index places a blob up to byte \(end)")
            }
        }
        for info in stored where ObjectID(hex: info.name.name).map({ indexedPacks[$0] == nil && !recoveredPacks.contains($0) }) ?? true {
            report.warnings.append(
                "pack \(info.name) is not in any index (left by an interrupted backup or prune; `lifeboat prune` removes it)")
        }
        return stored
    }

    private mutating func checkSnapshots(index: ChunkIndex) async throws {
        var seenTrees = Set<ObjectID>()
        for id in try await repo.listIDs(.snapshots) {
            report.snapshots += 1
            let record: SnapshotRecord
            do {
                record = try await repo.loadSnapshot(id)
            } catch let e as LifeboatError {
                report.errors.append(e.message)
                continue
            }
            await walk(record.snapshot.tree, path: "", snapshot: id.short, index: index, seen: &seenTrees)
        }
    }

    private mutating func walk(_ treeID: ObjectID, path: String, snapshot: String, index: ChunkIndex, seen: inout Set<ObjectID>) async {
        guard seen.insert(treeID).inserted else { return }
        let tree: Tree
        do {
            tree = try await repo.loadTree(treeID, index: index)
        } catch let e as LifeboatError {
            report.errors.append("snapshot \(snapshot): directory /\(path): \(e.message)")
            return
        } catch {
            report.errors.append("snapshot \(snapshot): directory /\(path): \(error)")
            return
        }
        for node in tree.nodes {
            let p = path.isEmpty ? node.name : path + "/" + node.name
            switch node.type {
            case .directory:
                if let sub = node.subtree { await walk(sub, path: p, snapshot: snapshot, index: index, seen: &seen) }
            case .file:
                do {
                    for list in node.chunkLists ?? [] where try !index.contains(list) {
                        throw LifeboatError(.corrupted, "chunk list \(list.short) is missing")
                    }
                    // A list blob at a time, so a huge file's chunk list is never whole in memory.
                    var total = 0
                    var pieces: [[ChunkRef]] = node.chunks.map { [$0] } ?? []
                    var lists = (node.chunkLists ?? [])[...]
                    while true {
                        if pieces.isEmpty, let list = lists.popFirst() {
                            let bytes = try await repo.readBlob(list, index: index, cacheHeader: false)
                            pieces = [try ChunkList.decode(bytes, name: list.short)]
                        }
                        guard let refs = pieces.popLast() else { break }
                        if let missing = try refs.first(where: { try !index.contains($0.id) }) {
                            throw LifeboatError(.corrupted, "chunk \(missing.id.short) is missing")
                        }
                        total += refs.reduce(0) { $0 + $1.length }
                    }
                    if Int64(total) != node.size ?? Int64(total) {
                        throw LifeboatError(.corrupted, "chunks add up to \(total) bytes, the file is \(node.size ?? 0)")
                    }
                } catch let e as LifeboatError {
                    report.errors.append("snapshot \(snapshot): file /\(p): \(e.message)")
                } catch {
                    report.errors.append("snapshot \(snapshot): file /\(p): \(error)")
                }
            case .symlink:
                break
            }
        }
    }

    /// Opens every frame of a pack once and checks each member against its id.
    private mutating func checkFrames(_ entries: [PackEntry], in data: Data, pack: ObjectID) {
        let bindings = PackEntry.frameBindings(entries)
        var frames: [UInt32: [PackEntry]] = [:]
        for e in entries { frames[e.offset, default: []].append(e) }
        for (offset, members) in frames.sorted(by: { $0.key < $1.key }) {
            guard let binding = bindings[offset] else {
                report.errors.append("pack data/\(pack.hex): the frame at offset \(offset) has no first member")
                continue
            }
            let start = data.startIndex + Int(offset)
            do {
                let frame = try repo.openFrame(data[start..<(start + Int(members[0].length))], binding: binding, pack: pack)
                for m in members {
                    do {
                        _ = try repo.member(
                            of: frame, id: m.id, inner: Int(m.inner), rawLength: Int(m.rawLength), pack: pack, verifyID: true)
                    } catch let err as LifeboatError {
                        report.errors.append(err.message)
                    }
                }
            } catch let err as LifeboatError {
                report.errors.append(err.message)
            } catch {
                report.errors.append("pack data/\(pack.hex): frame at offset \(offset): \(error)")
            }
        }
    }

    private mutating func readPacks(_ stored: [ObjectInfo]) async throws {
        let total = stored.reduce(Int64(0)) { $0 + Int64($1.size) }
        var done: Int64 = 0
        for info in stored {
            guard let packID = ObjectID(hex: info.name.name) else { continue }
            defer {
                done += Int64(info.size)
                progress.report(
                    ProgressEvent(phase: "check", bytesDone: done, bytesTotal: total, filesDone: report.packsRead, filesTotal: stored.count)
                )
            }
            let data: Data
            do {
                data = try await repo.storage.get(info.name)
            } catch {
                report.errors.append("pack \(info.name) cannot be read: \(error)")
                continue
            }
            report.packsRead += 1
            if PackFormat.tail(of: data).map(PackFormat.name(ofTail:)) != packID {
                report.errors.append("pack \(info.name) is damaged: its header does not match its name (SHA-256)")
            }
            let entries: [PackEntry]
            do {
                entries = try PackFormat.readHeader(of: data, key: repo.key, name: info.name.name)
            } catch let e as LifeboatError {
                report.errors.append(e.message)
                continue
            }
            checkFrames(entries, in: data, pack: packID)
            if let indexed = indexedPacks[packID], indexed.digests != [Self.digest(entries)] {
                report.errors.append("pack \(info.name): its header and the index disagree about its blobs")
            }
        }
    }
}
