import CSQLite
import Foundation
import LifeboatChunking
import LifeboatCore
import Testing

@Suite struct SQLiteSnapshotReaderTests {
    @Test func capturesARollbackJournalDatabaseAndFreezesIt() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("journal.db")
        let writer = try TestDatabase(path: path, busyTimeoutMilliseconds: 100)
        try writer.execute("PRAGMA journal_mode = DELETE; PRAGMA page_size = 1024;")
        try writer.createCountedSchema()
        for _ in 0..<20 { try writer.insertCountedBatch(rows: 50) }

        let reader = try SQLiteSnapshotReader(path: path)
        #expect(!reader.usesWriteAheadLog)
        #expect(reader.pageSize == 1024)
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(reader.pageCount * reader.pageSize == fileSize)

        // A shared lock freezes a rollback-journal database: commits wait until the reader closes.
        #expect(throws: TestDatabase.Failure.self) { try writer.insertCountedBatch(rows: 5) }
        try? writer.execute("ROLLBACK")

        let image = dir.path("image.db")
        try reader.writeImage(to: image, batch: 7)
        reader.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: image)) == Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try TestDatabase(path: image, create: false).expectConsistentCounter() == 1000)

        try writer.insertCountedBatch(rows: 5)
        #expect(try writer.integer("SELECT count(*) FROM rows") == 1005)
    }

    @Test(arguments: [1024, 4096, 65536])
    func capturesUncheckpointedWALFrames(pageSize: Int) throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("wal.db")
        let writer = try TestDatabase(path: path)
        try writer.execute("PRAGMA page_size = \(pageSize); PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")
        try writer.createCountedSchema()
        for _ in 0..<30 { try writer.insertCountedBatch(rows: 40) }
        let captured = try writer.integer("SELECT count(*) FROM rows")

        let reader = try SQLiteSnapshotReader(path: path)
        #expect(reader.usesWriteAheadLog)
        #expect(reader.pageSize == pageSize)
        #expect(reader.pageCount == (try writer.integer("PRAGMA page_count")))
        #expect(reader.verifiedAgainstWALIndex)

        // Later commits and a checkpoint must not leak into the image.
        for _ in 0..<10 { try writer.insertCountedBatch(rows: 40) }
        try writer.execute("PRAGMA wal_checkpoint(PASSIVE)")

        let image = dir.path("image.db")
        try reader.writeImage(to: image)
        #expect(reader.statistics.pagesFromWAL > 0)
        reader.close()
        #expect(try TestDatabase(path: image, create: false).expectConsistentCounter() == captured)
        #expect(try writer.integer("SELECT count(*) FROM rows") == captured + 400)
    }

    @Test func readsPagesFromTheDatabaseAfterTheWALRestarts() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("restart.db")
        let writer = try TestDatabase(path: path)
        try writer.execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")
        try writer.createCountedSchema()
        for _ in 0..<20 { try writer.insertCountedBatch(rows: 40) }
        // Fully backfilled but not truncated: the WAL still holds valid frames for our snapshot.
        try writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        let captured = try writer.integer("SELECT count(*) FROM rows")

        let reader = try SQLiteSnapshotReader(path: path)
        // The next write restarts the WAL over our frames; the checkpoint then must not touch the database file.
        try writer.execute("UPDATE rows SET payload = randomblob(300)")
        try writer.insertCountedBatch(rows: 500)
        try writer.execute("PRAGMA wal_checkpoint(PASSIVE)")

        let image = dir.path("image.db")
        try reader.writeImage(to: image)
        #expect(reader.statistics.pagesAfterWALRestart > 0)
        reader.close()
        #expect(try TestDatabase(path: image, create: false).expectConsistentCounter() == captured)
        #expect(try writer.integer("SELECT count(*) FROM rows") == captured + 500)
    }

    @Test func refusesAWALWhoseChecksumsDoNotMatchSQLitesIndex() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("damaged.db")
        let writer = try TestDatabase(path: path)
        try writer.execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")
        try writer.createCountedSchema()
        for _ in 0..<5 { try writer.insertCountedBatch(rows: 40) }
        // Flip one byte in the page of the first frame: its checksum, and so every later frame, fails.
        let wal = try #require(FileHandle(forUpdatingAtPath: path + "-wal"))
        let offset: UInt64 = 32 + 24 + 100
        try wal.seek(toOffset: offset)
        let byte = try #require(try wal.read(upToCount: 1)?.first)
        try wal.seek(toOffset: offset)
        try wal.write(contentsOf: [byte ^ 0xFF])
        try wal.close()

        let error = #expect(throws: LifeboatError.self) { try SQLiteSnapshotReader(path: path) }
        #expect(error?.code == .corrupted)
        #expect(error?.message.contains(path) == true)
    }

    @Test func readsAnyPageRangeAndRejectsOutOfRange() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("range.db")
        let writer = try TestDatabase(path: path)
        try writer.execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")
        try writer.createCountedSchema()
        for _ in 0..<10 { try writer.insertCountedBatch(rows: 40) }

        let reader = try SQLiteSnapshotReader(path: path)
        defer { reader.close() }
        var whole: [UInt8] = []
        try reader.readPages(from: 0, count: reader.pageCount, into: &whole)
        var piece: [UInt8] = [1, 2, 3]
        for first in stride(from: 0, to: reader.pageCount, by: 3) {
            let count = min(3, reader.pageCount - first)
            try reader.readPages(from: first, count: count, into: &piece)
            #expect(piece[...] == whole[(first * reader.pageSize)..<((first + count) * reader.pageSize)])
        }
        try reader.readPages(from: reader.pageCount, count: 0, into: &piece)
        #expect(piece.isEmpty)
        #expect(throws: LifeboatError.self) { try reader.readPages(from: reader.pageCount - 1, count: 2, into: &piece) }
        #expect(throws: LifeboatError.self) { try reader.readPages(from: -1, count: 1, into: &piece) }
        reader.close()
        #expect(throws: LifeboatError.self) { try reader.readPages(from: 0, count: 1, into: &piece) }
    }

    @Test func reportsWhatIsWrongWithThePath() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.path("missing.db")
        let error1 = #expect(throws: LifeboatError.self) { try SQLiteSnapshotReader(path: missing) }
        #expect(error1?.code == .notFound)
        #expect(error1?.message.contains(missing) == true)
        #expect(!FileManager.default.fileExists(atPath: missing))

        let text = dir.path("notes.txt")
        try Data(String(repeating: "not a database ", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        let error2 = #expect(throws: LifeboatError.self) { try SQLiteSnapshotReader(path: text) }
        #expect(error2?.code == .unsupported)
        #expect(error2?.message.contains(text) == true)
    }

    @Test func reportsALockedDatabaseAfterTheBusyTimeout() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("busy.db")
        let writer = try TestDatabase(path: path)
        try writer.execute("PRAGMA journal_mode = WAL;")
        try writer.createCountedSchema()
        try writer.execute("BEGIN IMMEDIATE")
        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: LifeboatError.self) { try SQLiteSnapshotReader(path: path, busyTimeout: .milliseconds(300)) }
        #expect(clock.now - started >= .milliseconds(250))
        #expect(error?.code == .locked)
        #expect(error?.message.contains(path) == true)
        try writer.execute("ROLLBACK")
        let reader = try SQLiteSnapshotReader(path: path, busyTimeout: .milliseconds(300))
        #expect(reader.pageCount > 0)
        reader.close()
    }
}
