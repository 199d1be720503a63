import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatRepository

/// New database pages of one backup are compressed and sealed together in frames of
/// several blobs; these tests hold the frame format to what restore, check and prune need.
@Suite struct FrameTests {
    /// A SQLite database of `rows` rows of compressible text, written by Python's sqlite3.
    static func makeDatabase(_ path: String, rows: Int) throws {
        try runPython(
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("create table if not exists docs(id integer primary key, body text)")
            db.executemany("insert into docs(body) values(?)",
                           [("document %d " % i + "lorem ipsum dolor sit amet " * 12,) for i in range(int(sys.argv[2]))])
            db.commit()
            """, path, "\(rows)")
    }

    /// Rewrites every tenth row, so scattered pages change.
    static func touchRows(_ path: String) throws {
        try runPython(
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("update docs set body = 'changed ' || id || ' ' || body where id % 10 = 0")
            db.commit()
            """, path)
    }

    static func runPython(_ script: String, _ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LifeboatError(.io, "python3 exited \(process.terminationStatus)") }
    }

    /// Every (pack, entry) the repository's index files list.
    static func indexEntries(_ repo: Repository) async throws -> [(pack: ObjectID, entry: PackEntry)] {
        var out: [(ObjectID, PackEntry)] = []
        for id in try await repo.listIDs(.index) {
            let file = try IndexFile.decode(try await repo.getObject(.index, id), name: id.hex)
            for pack in file.packs { out += pack.entries.map { (pack.id, $0) } }
        }
        return out
    }

    @Test func databasePagesShareFramesAndComeBackIntact() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let node = try t.makeDirectory("node")
        try Self.makeDatabase(node + "/data.db", rows: 6000)
        let snap = try await t.repo.backup(paths: [node], options: BackupOptions())

        let data = try await Self.indexEntries(t.repo).filter { $0.entry.type == .data }
        let frames = Set(data.map { "\($0.pack.hex)/\($0.entry.offset)" })
        #expect(data.count > 200, "a database of several hundred pages")
        #expect(frames.count * 8 < data.count, "\(data.count) pages in \(frames.count) frames")
        #expect(data.contains { $0.entry.inner > 0 })
        // Members of a frame lie back to back in its plaintext, the first at 0.
        for frame in Dictionary(grouping: data, by: { "\($0.pack.hex)/\($0.entry.offset)" }).values {
            let members = frame.map(\.entry).sorted { $0.inner < $1.inner }
            #expect(members[0].inner == 0)
            for (a, b) in zip(members, members.dropFirst()) { #expect(a.inner + a.rawLength == b.inner) }
        }

        let report = try await t.repo.check(readData: true)
        #expect(report.errors.isEmpty, "\(report.errors)")
        let out = t.dir.appending("out")
        let result = try await t.repo.restore(try await t.repo.findSnapshot(snap.id.hex), options: RestoreOptions(target: out))
        #expect(result.failures.isEmpty)
        #expect(try TreeSnapshot(out + "/node") == TreeSnapshot(node))
        #expect(try sqliteScalar(out + "/node/data.db", "pragma integrity_check") == "ok")
    }

    /// Restore writes aligned windows past the page cache where it can (ext4) and through
    /// it where it cannot (tmpfs); both give the same bytes, unaligned file ends included.
    @Test func restoreIntoTmpfsAndExt4GivesTheSameFiles() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let node = try t.makeDirectory("node")
        try Self.makeDatabase(node + "/data.db", rows: 2000)
        var tree = RandomTree(root: node + "/files", seed: 5)
        try tree.populate()
        try Data((0..<((3 << 20) + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
            .write(to: URL(fileURLWithPath: node + "/files/odd-sized"))
        let snap = try await t.repo.backup(paths: [node], options: BackupOptions())
        let record = try await t.repo.findSnapshot(snap.id.hex)
        let shm = "/dev/shm/lifeboat-restore-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: shm) }
        for target in [t.dir.appending("out"), shm] {
            let result = try await t.repo.restore(record, options: RestoreOptions(target: target))
            #expect(result.failures.isEmpty, "\(target): \(result.failures)")
            #expect(try TreeSnapshot(target + "/node") == TreeSnapshot(node), "\(target)")
        }
    }

    @Test func pruneKeepsOnlyTheUsedMembersOfAFrame() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let node = try t.makeDirectory("node")
        let db = node + "/data.db"
        try Self.makeDatabase(db, rows: 6000)
        _ = try await t.repo.backup(paths: [node], options: BackupOptions())
        try Self.touchRows(db)
        let second = try await t.repo.backup(paths: [node], options: BackupOptions())
        let expected = try TreeSnapshot(node)

        let forgotten = try await t.repo.forget(policy: RetentionPolicy(keepLast: 1), prune: true)
        #expect(forgotten.groups.flatMap(\.remove).count == 1)
        #expect((forgotten.prune?.packsRewritten ?? 0) > 0, "the first backup's frames hold pages the second still uses")
        let repo = try await t.reopen()
        let index = try await repo.loadIndex()
        let used = try await repo.usedBlobs(index: index, capacity: 1024)
        let entries = try await Self.indexEntries(repo)
        // Frames whose pages the first snapshot alone used were cut down to the used pages.
        let unused = try entries.filter { try !used.contains($0.entry.id) }
        #expect(unused.isEmpty, "\(unused.count) unused blobs are still indexed after prune")
        // Every used blob is indexed: as many distinct ids are indexed as are used.
        #expect(used.count == Set(entries.map(\.entry.id)).count)

        let report = try await repo.check(readData: true)
        #expect(report.errors.isEmpty, "\(report.errors)")
        let out = t.dir.appending("out")
        let result = try await repo.restore(try await repo.findSnapshot(second.id.hex), options: RestoreOptions(target: out))
        #expect(result.failures.isEmpty)
        #expect(try TreeSnapshot(out + "/node") == expected)
    }

    @Test func aDamagedFrameFailsEveryFileThatNeedsItAndCheckNamesIt() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let node = try t.makeDirectory("node")
        try Self.makeDatabase(node + "/data.db", rows: 3000)
        let snap = try await t.repo.backup(paths: [node], options: BackupOptions())
        let (pack, entry) = try #require(try await Self.indexEntries(t.repo).first { $0.entry.inner > 0 })
        let file = try #require(try t.files("data").first { $0.hasSuffix(pack.hex) })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[Int(entry.offset) + Int(entry.length) / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: file))

        let report = try await t.repo.check(readData: true)
        #expect(report.errors.contains { $0.contains(pack.hex) }, "\(report.errors)")
        let out = t.dir.appending("out")
        let result = try await t.repo.restore(try await t.repo.findSnapshot(snap.id.hex), options: RestoreOptions(target: out))
        #expect(result.failures.contains { $0.contains("data.db") })
        #expect(!FileManager.default.fileExists(atPath: out + "/node/data.db"))
    }

    /// A repository of a later format version is refused by name; a version 1 repository
    /// (written before frames) opens, takes a backup and restores it.
    @Test func formatVersionsAreCheckedAtOpen() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        func rewriteConfig(version: Int) async throws {
            var config = t.repo.config
            config.version = version
            let plain = try JSONEncoder.lifeboat.encode(config)
            try await t.storage.put(ObjectName(.config, "config"), try t.repo.sealObject(Array(plain), compress: false))
        }
        #expect(t.repo.config.version == RepositoryConfig.currentVersion)
        // Version 3 (write-only sessions, WriteOnlyTests) is read; 4 is not.
        try await rewriteConfig(version: 4)
        let error = await #expect(throws: LifeboatError.self) { try await t.reopen() }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("version 4") == true)

        try await rewriteConfig(version: 1)
        let old = try await t.reopen()
        let node = try t.makeDirectory("node")
        try Self.makeDatabase(node + "/data.db", rows: 500)
        let snap = try await old.backup(paths: [node], options: BackupOptions())
        let out = t.dir.appending("out")
        let result = try await old.restore(try await old.findSnapshot(snap.id.hex), options: RestoreOptions(target: out))
        #expect(result.failures.isEmpty)
        #expect(try TreeSnapshot(out + "/node") == TreeSnapshot(node))
    }

    /// Repositories written before frames (pack and index format 1: entries without
    /// `inner`) are still read.
    @Test func formatOneHeadersAndIndexesAreRead() throws {
        let key = MasterKey.generate()
        let ids = (0..<3).map { i in key.chunkID([UInt8](repeating: UInt8(i), count: 64)) }
        var plain = PackFormat.headerMagic + [1]
        plain.appendLE(3)
        for (i, id) in ids.enumerated() {
            plain.append(BlobType.data.rawValue)
            id.append(to: &plain)
            plain.appendLE(UInt32(i * 100))
            plain.appendLE(100)
            plain.appendLE(64)
        }
        var pack = Data(repeating: 0, count: 300)
        let header = try plain.withUnsafeBytes { try key.seal($0) }
        pack.append(header)
        withUnsafeBytes(of: UInt32(header.count).littleEndian) { pack.append(contentsOf: $0) }
        let entries = try PackFormat.readHeader(of: pack, key: key, name: "v1")
        #expect(entries.map(\.id) == ids)
        #expect(entries.allSatisfy { $0.inner == 0 && $0.rawLength == 64 && $0.length == 100 })

        var index = IndexFile.magic + [1]
        index.appendLE(0)
        index.appendLE(1)
        ids[0].append(to: &index)
        index.appendLE(3)
        for e in entries {
            index.append(e.type.rawValue)
            e.id.append(to: &index)
            index.appendLE(e.offset)
            index.appendLE(e.length)
            index.appendLE(e.rawLength)
        }
        let decoded = try IndexFile.decode(index, name: "v1")
        #expect(decoded.packs.first?.entries == entries)
        // A format this version does not know is refused by name.
        var future = index
        future[4] = 9
        let error = #expect(throws: LifeboatError.self) { try IndexFile.decode(future, name: "future") }
        #expect(error?.message.contains("unknown format 9") == true)
    }
}
