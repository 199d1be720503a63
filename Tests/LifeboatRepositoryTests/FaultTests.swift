import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatRepository

@Suite struct FaultTests {
    /// A small node directory with a few files of several chunks.
    static func makeNode(_ t: TestRepository, seed: UInt64 = 11) throws -> String {
        let source = t.dir.appending("node")
        var tree = RandomTree(root: source, seed: seed)
        try tree.populate()
        try tree.write(source + "/big")
        return source
    }

    @Test func wrongPasswordIsRefused() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let error = await #expect(throws: LifeboatError.self) { try await t.reopen(password: "wrong") }
        #expect(error?.code == .wrongPassword)
        #expect(error?.message.contains("wrong password") == true)
    }

    @Test func missingRepositoryIsNamed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let error = await #expect(throws: LifeboatError.self) {
            try await Repository.open(storage: try LocalStorage(path: dir.path), secret: .password("x"), logger: Logger(label: "t"))
        }
        #expect(error?.code == .notARepository)
    }

    @Test func unknownSnapshotIsNamed() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let error = await #expect(throws: LifeboatError.self) { try await t.repo.findSnapshot("deadbeef") }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("deadbeef") == true)
        let bad = await #expect(throws: LifeboatError.self) { try await t.repo.findSnapshot("zz") }
        #expect(bad?.code == .invalidArgument)
    }

    enum Target: String, CaseIterable, Sendable { case pack, index, snapshot, keySlot, config }

    /// Flips one byte in one object of each kind; check names the object, and nothing
    /// damaged is ever restored silently.
    @Test(arguments: Target.allCases)
    func flippedByteIsDetectedAndNamed(target: Target) async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = try Self.makeNode(t)
        let snap = try await t.repo.backup(paths: [source], options: BackupOptions())
        // A second key slot so that a damaged first slot does not lock us out.
        try await t.repo.addKey(.password("second password"), scryptN: 1 << 10)
        let file: String
        switch target {
        case .pack: file = try #require(try t.files("data").max { size($0) < size($1) })
        case .index: file = try #require(try t.files("index").first)
        case .snapshot: file = try #require(try t.files("snapshots").first)
        case .keySlot: file = try #require(try t.files("keys").first)
        case .config: file = t.repoPath + "/config"
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let at = bytes.count / 2
        bytes[at] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: file))
        let name = (file as NSString).lastPathComponent

        if target == .config {
            let error = await #expect(throws: LifeboatError.self) { try await t.reopen() }
            #expect(error?.code == .corrupted)
            #expect(error?.message.contains("config") == true)
            return
        }
        var repo: Repository
        do {
            repo = try await t.reopen()
        } catch let e as LifeboatError where target == .keySlot {
            #expect(e.message.contains(name))
            repo = try await t.reopen(password: "second password")
        }
        let report = try await repo.check(readData: true)
        #expect(report.errors.contains { $0.contains(name) }, "check did not name \(name): \(report.errors)")

        if target == .pack || target == .snapshot || target == .index {
            let out = t.dir.appending("out")
            do {
                let record = try await repo.findSnapshot(snap.id.hex)
                let result = try await repo.restore(record, options: RestoreOptions(target: out))
                if target == .index {
                    // The packs' own headers stand in for a damaged index file: all restores.
                    #expect(result.failures.isEmpty, "\(result.failures)")
                    #expect(try TreeSnapshot(out + "/node") == TreeSnapshot(source))
                    return
                }
                #expect(!result.failures.isEmpty, "a damaged \(target) restored without complaint")
                // Every file that did land is intact.
                let original = try TreeSnapshot(source)
                let restored = try TreeSnapshot(out + "/node")
                for (path, entry) in restored.entries {
                    if case .file = entry { #expect(original.entries[path] == entry, "\(path) restored wrong") }
                }
                for f in result.failures { #expect(!FileManager.default.fileExists(atPath: out + "/" + f.split(separator: ":")[0])) }
            } catch let e as LifeboatError {
                #expect(e.code == .corrupted || e.code == .notFound)
                #expect(e.message.contains(name) || e.message.contains("damaged"), "\(e.message)")
            }
        }
    }

    private func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// Packs gathered in memory and stored whole, and packs streamed to disk as they fill.
    @Test(arguments: [false, true])
    func diskFullDuringBackupLosesNothing(streamed: Bool) async throws {
        let faulty = LockedBox<FaultyStorage?>(nil)
        let t = try await TestRepository { storage in
            let f = FaultyStorage(wrapping: storage, streamsPacks: streamed)
            faulty.value = f
            return f
        }
        defer { t.dir.remove() }
        let storage = try #require(faulty.value)
        let source = try Self.makeNode(t)
        let first = try await t.repo.backup(paths: [source], options: BackupOptions())
        var rng = SeededGenerator(seed: 77)
        for i in 0..<4 {
            let noise = (0..<375_000).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } }
            try Data(noise).write(to: URL(fileURLWithPath: source + "/new\(i)"))
        }
        storage.byteLimit = storage.bytesWritten + 4_000_000
        let error = await #expect(throws: LifeboatError.self) {
            try await t.repo.backup(paths: [source], options: BackupOptions())
        }
        #expect(error?.code == .noSpace)
        #expect(try await t.repo.snapshots().map(\.id) == [first.id])
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: t.repoPath).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "the failed backup left \(leftovers)")
        storage.byteLimit = nil
        let report = try await t.repo.check(readData: true)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(try await t.repo.locks().isEmpty, "the failed backup left its lock")
        let out = t.dir.appending("out")
        let result = try await t.repo.restore(try await t.repo.findSnapshot(first.id.hex), options: RestoreOptions(target: out))
        #expect(result.failures.isEmpty)
        let third = try await t.repo.backup(paths: [source], options: BackupOptions())
        #expect(third.warnings.isEmpty)
        let clean = try await t.repo.check(readData: true)
        #expect(clean.errors.isEmpty)
    }

    /// An index that says something else than a pack's header about its blobs, and an
    /// index naming a pack that is gone, are both reported by name.
    @Test func indexAndPackDisagreementsAreNamed() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = try Self.makeNode(t)
        _ = try await t.repo.backup(paths: [source], options: BackupOptions())
        #expect(try await t.repo.check(readData: true).errors.isEmpty)
        // Rewrite the index with one entry's plaintext length changed, sealed properly.
        var rewritten = IndexFile()
        var changedPack: ObjectID?
        for id in try await t.repo.listIDs(.index) {
            var file = try IndexFile.decode(try await t.repo.getObject(.index, id), name: id.hex)
            if changedPack == nil, let p = file.packs.indices.first {
                file.packs[p].entries[0].rawLength += 1
                changedPack = file.packs[p].id
            }
            rewritten.packs += file.packs
            try await t.storage.delete(ObjectName(.index, id.hex))
        }
        try await t.repo.putObject(.index, rewritten.encode(), compress: false)
        let pack = try #require(changedPack)
        let report = try await t.repo.check(readData: true)
        #expect(
            report.errors.contains { $0.contains("data/\(pack.hex)") && $0.contains("header and the index disagree") },
            "\(report.errors)")
        // The pack goes missing: named as listed but missing.
        try await t.storage.delete(ObjectName(.data, pack.hex))
        let missing = try await t.repo.check(readData: false)
        #expect(
            missing.errors.contains { $0.contains("data/\(pack.hex) is listed in the index but missing from storage") }, "\(missing.errors)"
        )
    }

    /// A kill leaves the pack being streamed as a `.tmp-` file; prune deletes such files
    /// once they are an hour old and leaves younger ones (a write may still be going on).
    @Test func pruneDeletesOldTemporaryFilesOnly() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = try Self.makeNode(t)
        _ = try await t.repo.backup(paths: [source], options: BackupOptions())
        let old = t.repoPath + "/data/.tmp-0123456789abcdef"
        let young = t.repoPath + "/data/.tmp-fedcba9876543210"
        let oldInFanOut = t.repoPath + "/index/.tmp-00000000000000aa"
        for path in [old, young, oldInFanOut] { try Data(repeating: 7, count: 5000).write(to: URL(fileURLWithPath: path)) }
        let twoHoursAgo = Date().addingTimeInterval(-7200)
        for path in [old, oldInFanOut] {
            try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: path)
        }
        let report = try await t.repo.prune()
        #expect(report.temporaryFilesRemoved == 2)
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(!FileManager.default.fileExists(atPath: oldInFanOut))
        #expect(FileManager.default.fileExists(atPath: young))
        #expect(try await t.repo.check(readData: true).errors.isEmpty)
    }

    @Test func forgetAndPruneKeepWhatSnapshotsNeed() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = t.dir.appending("node")
        var tree = RandomTree(root: source, seed: 5)
        try tree.populate()
        var trees: [ObjectID: TreeSnapshot] = [:]
        for _ in 0..<4 {
            try tree.mutate()
            trees[try await t.repo.backup(paths: [source], options: BackupOptions()).id] = try TreeSnapshot(source)
        }
        let before = try await t.repo.stats()
        let result = try await t.repo.forget(policy: RetentionPolicy(keepLast: 2), prune: true)
        let after = try await t.repo.stats()
        #expect(result.groups.count == 1)
        #expect(result.groups[0].remove.count == 2)
        #expect(after.snapshots == 2)
        #expect(after.storedBytes < before.storedBytes)
        #expect(result.prune?.bytesFreed ?? 0 > 0)
        let report = try await t.repo.check(readData: true)
        #expect(report.errors.isEmpty && report.warnings.isEmpty, "\(report)")
        for record in try await t.repo.snapshots() {
            let out = t.dir.appending("out-\(record.id.short)")
            _ = try await t.repo.restore(record, options: RestoreOptions(target: out))
            #expect(try TreeSnapshot(out + "/node").differences(try #require(trees[record.id])).isEmpty)
        }
        let empty = await #expect(throws: LifeboatError.self) { try await t.repo.forget(policy: RetentionPolicy()) }
        #expect(empty?.code == .invalidArgument)
    }

    @Test func exclusiveLockBlocksAndStaleLockDoesNot() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let source = try Self.makeNode(t)
        // A live exclusive lock (this very process) blocks a backup.
        let live = LockRecord(
            exclusive: true, host: ProcessInfo.processInfo.hostName, pid: getpid(), user: "t", time: Date(), operation: "prune")
        try await t.storage.put(ObjectName(.locks, "live"), try JSONEncoder().encodeLock(live))
        let error = await #expect(throws: LifeboatError.self) { try await t.repo.backup(paths: [source], options: BackupOptions()) }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("prune") == true)
        try await t.storage.delete(ObjectName(.locks, "live"))
        // A lock of a process that is gone is stale: it blocks nothing and unlock removes it.
        let dead = LockRecord(
            exclusive: true, host: ProcessInfo.processInfo.hostName, pid: 999_999, user: "t", time: Date(), operation: "prune")
        try await t.storage.put(ObjectName(.locks, "dead"), try JSONEncoder().encodeLock(dead))
        _ = try await t.repo.backup(paths: [source], options: BackupOptions())
        #expect(try await t.repo.removeLocks(all: false) == 1)
        #expect(try await t.repo.locks().isEmpty)
    }

    @Test func keySlotsAddListRemove() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let keyFile = Array("a key file with enough random-looking bytes\n".utf8)
        try await t.repo.addKey(.keyFile(keyFile))
        let byFile = try await Repository.open(storage: t.storage, secret: .keyFile(keyFile), logger: Logger(label: "t"))
        #expect(byFile.config.id == t.repo.config.id)
        let keys = try await t.repo.listKeys(current: .password(TestRepository.password))
        #expect(keys.count == 2)
        #expect(keys.filter(\.current).count == 1)
        let inUse = try #require(keys.first { $0.current })
        let refuse = await #expect(throws: LifeboatError.self) {
            try await t.repo.removeKey(inUse.id, current: .password(TestRepository.password))
        }
        #expect(refuse?.code == .invalidArgument)
        let other = try #require(keys.first(where: { !$0.current }))
        _ = try await t.repo.removeKey(String(other.id.prefix(8)), current: .password(TestRepository.password))
        await #expect(throws: LifeboatError.self) {
            try await Repository.open(storage: t.storage, secret: .keyFile(keyFile), logger: Logger(label: "t"))
        }
    }
}

/// A mutable box the storage factory closure can fill in.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

extension JSONEncoder {
    /// Encodes a lock record the way the repository writes them (ISO 8601 times).
    func encodeLock(_ record: LockRecord) throws -> Data {
        dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(ISO8601.format(date))
        }
        return try encode(record)
    }
}
