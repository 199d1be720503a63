import Crypto
import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatCrypto
@testable import LifeboatRepository

/// Write-only repositories: a host holding only the write-only key adds snapshots it cannot
/// read, list or delete; the repository password restores, checks and prunes them.
@Suite struct WriteOnlyTests {
    struct Host {
        let keyFile: WriteOnlyKeyFile
        let cache: String

        func open(_ t: TestRepository) async throws -> Repository {
            try await Repository.openWriteOnly(storage: t.storage, keyFile: keyFile, cacheDirectory: cache, logger: Logger(label: "host"))
        }
    }

    static func host(_ t: TestRepository) async throws -> Host {
        let file = try await t.repo.addWriteOnlyKey()
        // What the host is given travels as a file: use what decodes from its bytes.
        let decoded = try WriteOnlyKeyFile.decode(try file.encoded(), path: "host.key")
        return Host(keyFile: decoded, cache: try t.makeDirectory("host-cache"))
    }

    /// A random tree and a real SQLite database of about 2,000 rows (page-aware chunking).
    static func source(_ t: TestRepository, seed: UInt64) async throws -> String {
        let source = try t.makeDirectory("node-\(seed)")
        var tree = RandomTree(root: source, seed: seed)
        try tree.populate()
        try await sqlite(
            source + "/ledger.db",
            "PRAGMA page_size=4096; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<2000) INSERT INTO t SELECT x, randomblob(500) FROM c;"
        )
        return source
    }

    static func sqlite(_ path: String, _ sql: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path, sql]
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        let outcome = await ProcessOutcome.collect(process)
        try #require(outcome.status == 0, "sqlite3: \(outcome.stderr)")
    }

    @Test func theHostsBackupRestoresWithThePasswordAndChecksClean() async throws {
        let t = try await TestRepository()
        let host = try await Self.host(t)
        let source = try await Self.source(t, seed: 1)
        let writer = try await host.open(t)
        #expect(writer.isWriteOnly)
        let result = try await writer.backup(paths: [source], options: BackupOptions())

        let admin = try await t.reopen()
        #expect(admin.config.version == RepositoryConfig.writeOnlyVersion)
        let record = try await admin.findSnapshot(result.id.hex)
        let out = t.dir.appending("restored")
        _ = try await admin.restore(record, options: RestoreOptions(target: out))
        let name = (source as NSString).lastPathComponent
        #expect(try TreeSnapshot(out + "/" + name) == TreeSnapshot(source))
        let report = try await admin.check(readData: true)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.snapshots == 1)
    }

    @Test func theHostCannotListReadDeleteOrAddKeys() async throws {
        let t = try await TestRepository()
        let host = try await Self.host(t)
        let writer = try await host.open(t)
        let first = try await writer.backup(paths: [try await Self.source(t, seed: 2)], options: BackupOptions())
        let refused: [(String, () async throws -> Void)] = [
            ("list", { _ = try await writer.snapshots() }),
            ("find", { _ = try await writer.findSnapshot("latest") }),
            (
                "restore",
                {
                    _ = try await writer.restore(
                        SnapshotRecord(id: first.id, snapshot: first.snapshot), options: RestoreOptions(target: t.dir.appending("r")))
                }
            ),
            ("check", { _ = try await writer.check(readData: false) }),
            ("forget", { _ = try await writer.forget(policy: RetentionPolicy(keepLast: 1), prune: true) }),
            ("prune", { _ = try await writer.prune() }),
            ("add key", { _ = try await writer.addKey(.password("another password")) }),
            ("write-only key", { _ = try await writer.addWriteOnlyKey() }),
        ]
        for (what, call) in refused {
            let error = await #expect(throws: LifeboatError.self, "\(what)") { try await call() }
            #expect(error?.code == .unsupported, "\(what): \(String(describing: error))")
            #expect(error?.message.contains("a write-only key cannot") == true, "\(what): \(String(describing: error))")
        }
        // The key file opens no key slot either way it could be tried.
        let bytes = try host.keyFile.encoded()
        for secret: Secret in [.keyFile(bytes), .password(String(decoding: bytes, as: UTF8.self)), .password(host.keyFile.idKey)] {
            let error = await #expect(throws: LifeboatError.self) {
                _ = try await Repository.open(storage: t.storage, secret: secret, logger: Logger(label: "host"))
            }
            #expect(error?.code == .wrongPassword)
        }
        #expect(try await t.reopen().snapshots().count == 1)
    }

    /// Every object in the repository, and every frame in every pack, opens with the master
    /// key, and with nothing the host holds: the id key, or the key of a new session it starts.
    @Test func theHostsCredentialsDecryptNoStoredObject() async throws {
        let t = try await TestRepository()
        let host = try await Self.host(t)
        let source = try await Self.source(t, seed: 3)
        _ = try await host.open(t).backup(paths: [source], options: BackupOptions())
        _ = try await host.open(t).backup(paths: [try await Self.source(t, seed: 4)], options: BackupOptions())
        _ = try await t.repo.backup(paths: [source], options: BackupOptions())  // the admin's own, beside them
        let admin = try await t.reopen()
        let freshSession = try await host.open(t)
        let idKey = SymmetricKey(data: try #require(Data(base64Encoded: host.keyFile.idKey)))

        func hostCannotOpen(_ sealed: Data, binding: ObjectID?, what: String) {
            #expect((try? freshSession.key.open(sealed, binding: binding, what: what)) == nil, "a new session opened \(what)")
            let box = try? AES.GCM.SealedBox(combined: sealed)
            let opened = box.flatMap { box in
                binding.map { try? AES.GCM.open(box, using: idKey, authenticating: $0.bytes) } ?? (try? AES.GCM.open(box, using: idKey))
            }
            #expect(opened == nil, "the id key opened \(what)")
        }

        var objects = 0
        var frames = 0
        for kind in [ObjectKind.config, .index, .snapshots] {
            for info in try await t.storage.list(kind) {
                let sealed = try await t.storage.get(info.name)
                #expect((try? admin.key.open(sealed, what: "\(info.name)")) != nil, "the master key does not open \(info.name)")
                hostCannotOpen(sealed, binding: nil, what: "\(info.name)")
                objects += 1
            }
        }
        for info in try await t.storage.list(.data) {
            let pack = try await t.storage.get(info.name)
            let entries = try PackFormat.readHeader(of: pack, key: admin.key, name: info.name.name)
            let headerLength = Int(pack.suffix(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self).littleEndian })
            hostCannotOpen(pack[(pack.count - 4 - headerLength)..<(pack.count - 4)], binding: nil, what: "header of \(info.name)")
            for entry in entries where entry.inner == 0 {
                let frame = pack[Int(entry.offset)..<Int(entry.offset + entry.length)]
                #expect((try? admin.key.open(frame, binding: entry.id, what: "frame")) != nil)
                hostCannotOpen(frame, binding: entry.id, what: "frame \(entry.id.short) of \(info.name)")
                frames += 1
            }
        }
        #expect(objects >= 6 && frames > 50, "\(objects) objects, \(frames) frames")
        // Nor is anything of the master key in what the host holds.
        let held = try host.keyFile.encoded()
        let master = admin.key.serialized
        #expect(!Data(held).range(of: Data(master[0..<16])).isPresent)
        #expect(!Data(held).range(of: Data(Data(master[0..<32]).base64EncodedString().utf8)).isPresent)
    }

    @Test func dedupWorksWithinWhatTheHostWrote() async throws {
        let t = try await TestRepository()
        let host = try await Self.host(t)
        let source = try await Self.source(t, seed: 5)
        let first = try await host.open(t).backup(paths: [source], options: BackupOptions())
        let again = try await host.open(t).backup(paths: [source], options: BackupOptions())
        #expect(first.snapshot.summary.bytesAdded > 1_000_000)
        // Only the new tree and snapshot, not the data: the host's record of what it wrote.
        #expect(again.snapshot.summary.bytesAdded < 20_000, "\(again.snapshot.summary)")
        // Ten rows far apart change: about their pages (and the header page) are stored.
        let ledger = source + "/ledger.db"
        try await Self.sqlite(ledger, "UPDATE t SET v = randomblob(500) WHERE id % 200 = 7")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ledger))
        let changed = try await host.open(t).backup(paths: [source], options: BackupOptions())
        #expect(changed.snapshot.summary.bytesAdded >= 10 * 4096, "\(changed.snapshot.summary)")
        #expect(changed.snapshot.summary.bytesAdded < 24 * 4096 + 20_000, "\(changed.snapshot.summary)")

        let admin = try await t.reopen()
        let out = t.dir.appending("restored")
        _ = try await admin.restore(try await admin.findSnapshot(changed.id.hex), options: RestoreOptions(target: out))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/" + (source as NSString).lastPathComponent + "/ledger.db")) == bytes)
    }

    /// The admin prunes away what the host's record names: the host must store it again,
    /// never reference a blob that is gone.
    @Test func aPruneByTheAdminNeverLeavesTheHostReferencingLostBlobs() async throws {
        let t = try await TestRepository()
        let host = try await Self.host(t)
        let source = try await Self.source(t, seed: 6)
        let first = try await host.open(t).backup(paths: [source], options: BackupOptions())
        let admin = try await t.reopen()
        // Keep only an unrelated admin snapshot: every pack the host wrote goes.
        let other = try await Self.source(t, seed: 7)
        _ = try await admin.backup(paths: [other], options: BackupOptions())
        let forgotten = try await admin.forget(policy: RetentionPolicy(keepLast: 1), groupByPaths: false)
        #expect(forgotten.groups.flatMap(\.remove) == [first.id.hex], "\(forgotten.groups)")
        _ = try await admin.prune()

        let next = try await host.open(t).backup(paths: [source], options: BackupOptions())
        #expect(next.snapshot.summary.bytesAdded > 1_000_000, "the host assumed pruned blobs were still stored")
        let reader = try await t.reopen()
        #expect(try await reader.check(readData: true).errors.isEmpty)
        let out = t.dir.appending("restored")
        _ = try await reader.restore(try await reader.findSnapshot(next.id.hex), options: RestoreOptions(target: out))
        #expect(try TreeSnapshot(out + "/" + (source as NSString).lastPathComponent) == TreeSnapshot(source))
    }

    @Test func keysListTheRecipientWhichCannotBeRemoved() async throws {
        let t = try await TestRepository()
        let host = try await Self.host(t)
        _ = try await host.open(t).backup(paths: [try await Self.source(t, seed: 8)], options: BackupOptions())
        let keys = try await t.repo.listKeys(current: .password(TestRepository.password))
        #expect(keys.map(\.kind).sorted() == ["password", "write-only"], "\(keys)")
        let recipient = try #require(keys.first { $0.kind == "write-only" })
        let error = await #expect(throws: LifeboatError.self) {
            _ = try await t.repo.removeKey(String(recipient.id.prefix(8)), current: .password(TestRepository.password))
        }
        #expect(error?.message.contains("write-only recipient") == true, "\(String(describing: error))")
        // A second write-only key is for the same recipient: one private key to guard.
        #expect(try await t.repo.addWriteOnlyKey().recipient == host.keyFile.recipient)
    }

    /// A session record that does not derive a key costs only what it sealed: the repository
    /// still opens, and the backups it did not write restore.
    @Test func aDamagedSessionRecordDoesNotLockTheRepository() async throws {
        let t = try await TestRepository()
        let host = try await Self.host(t)
        let hostSource = try await Self.source(t, seed: 9)
        let written = try await host.open(t).backup(paths: [hostSource], options: BackupOptions())
        let adminSource = try await Self.source(t, seed: 10)
        let own = try await t.repo.backup(paths: [adminSource], options: BackupOptions())
        let bogus = Data(
            #"{"created":"2026-12-04T00:00:00.000Z","ephemeral":"bm90IGEga2V5","host":"h","kind":"write-only-session","recipient":"\#(host.keyFile.recipient)","user":"u","version":1}"#
                .utf8)
        try await t.storage.put(ObjectName(.keys, Digest.sha256(bogus).hex), bogus)
        let admin = try await t.reopen()
        let out = t.dir.appending("restored")
        _ = try await admin.restore(try await admin.findSnapshot(own.id.hex), options: RestoreOptions(target: out))
        #expect(try TreeSnapshot(out + "/" + (adminSource as NSString).lastPathComponent) == TreeSnapshot(adminSource))
        // The good session still opens what it wrote.
        #expect(try await admin.findSnapshot(written.id.hex).id == written.id)
    }

    @Test func aKeyForAnotherRepositoryOrADamagedKeyIsNamed() async throws {
        let t = try await TestRepository()
        let other = try await TestRepository()
        let foreign = try await Self.host(other)
        let error = await #expect(throws: LifeboatError.self) {
            _ = try await Repository.openWriteOnly(
                storage: t.storage, keyFile: foreign.keyFile, cacheDirectory: foreign.cache, logger: Logger(label: "host"))
        }
        #expect(error?.code == .wrongPassword)
        #expect(error?.message.contains("does not belong to the repository at") == true, "\(String(describing: error))")
        #expect(try t.files("keys").count == 1, "a refused host wrote a session")

        for (bytes, expected) in [
            (Array("not json".utf8), "is not a Lifeboat write-only key"),
            (Array(#"{"format":"something else"}"#.utf8), "is not a Lifeboat write-only key"),
        ] {
            let decodeError = #expect(throws: LifeboatError.self) { _ = try WriteOnlyKeyFile.decode(bytes, path: "k.json") }
            #expect(decodeError?.message.contains(expected) == true, "\(String(describing: decodeError))")
        }
        var wrongFormat = foreign.keyFile
        wrongFormat.format = "age"
        let formatError = #expect(throws: LifeboatError.self) { _ = try WriteOnlyKeyFile.decode(try wrongFormat.encoded(), path: "k.json") }
        #expect(formatError?.message == "k.json is not a Lifeboat write-only key (its format is \"age\")")
        var shortID = foreign.keyFile
        shortID.idKey = Data([1, 2, 3]).base64EncodedString()
        let idError = #expect(throws: LifeboatError.self) { _ = try WriteOnlyKeyFile.decode(try shortID.encoded(), path: "k.json") }
        #expect(idError?.message == "write-only key k.json is damaged: its idKey is not 32 bytes of base64")
    }
}

extension Optional where Wrapped == Range<Data.Index> {
    fileprivate var isPresent: Bool { self != nil }
}
