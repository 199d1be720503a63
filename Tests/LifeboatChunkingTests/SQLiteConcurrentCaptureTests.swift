import CSQLite
import Foundation
import LifeboatChunking
import Testing

/// Captures while another thread or process keeps committing, and checks the image is one consistent point in time.
@Suite struct SQLiteConcurrentCaptureTests {
    /// What a writer thread reports: committed row totals and the longest pause between its commits.
    final class WriterLog: @unchecked Sendable {
        private let lock = NSLock()
        private var committedRows = 0
        private var commits = 0
        private var lastCommit: ContinuousClock.Instant?
        private var longestGap: Duration = .zero
        private var stopRequested = false
        private var pauseRequested = false
        private var isPaused = false
        private var failure: String?

        var rows: Int { lock.withLock { committedRows } }
        var commitCount: Int { lock.withLock { commits } }
        var error: String? { lock.withLock { failure } }
        var shouldStop: Bool { lock.withLock { stopRequested } }

        func stop() { lock.withLock { stopRequested = true } }

        /// Asks the writer to stop between transactions and waits until it has.
        func pause() {
            lock.withLock { pauseRequested = true }
            while !lock.withLock({ isPaused }) && error == nil { Thread.sleep(forTimeInterval: 0.001) }
        }

        func resume() { lock.withLock { pauseRequested = false } }

        /// Called by the writer between transactions: blocks while a pause is requested.
        func waitWhilePaused() {
            while lock.withLock({
                isPaused = pauseRequested && !stopRequested; return isPaused
            }) {
                Thread.sleep(forTimeInterval: 0.001)
            }
        }
        func fail(_ message: String) { lock.withLock { failure = message } }

        func committed(rows added: Int) {
            let now = ContinuousClock.now
            lock.withLock {
                committedRows += added
                commits += 1
                if let lastCommit { longestGap = max(longestGap, now - lastCommit) }
                lastCommit = now
            }
        }

        /// Forgets the gaps so far, so that only the capture window is measured.
        func resetGap() { lock.withLock { longestGap = .zero } }
        var gap: Duration { lock.withLock { longestGap } }
    }

    static func startWriterThread(path: String, log: WriterLog, done: DispatchSemaphore) {
        let thread = Thread {
            defer { done.signal() }
            do {
                let db = try TestDatabase(path: path, create: false)
                try db.execute("PRAGMA wal_autocheckpoint = 10")
                while !log.shouldStop {
                    log.waitWhilePaused()
                    try db.insertCountedBatch(rows: 25)
                    log.committed(rows: 25)
                }
            } catch {
                log.fail("\(error)")
            }
        }
        thread.start()
    }

    /// Odd rounds capture mid-stream; even rounds capture right after a complete checkpoint, so the
    /// reader holds WAL read mark 0 and the writer restarts the WAL over the frames being read.
    @Test(arguments: 1...6)
    func imageIsConsistentWhileAThreadCommits(round: Int) throws {
        let afterCheckpoint = round % 2 == 0
        let dir = try TemporaryDirectory()
        let path = dir.path("busy.db")
        do {
            let setup = try TestDatabase(path: path)
            try setup.execute("PRAGMA journal_mode = WAL; PRAGMA page_size = \(round % 4 < 2 ? 1024 : 4096);")
            try setup.createCountedSchema()
        }
        let log = WriterLog()
        let done = DispatchSemaphore(value: 0)
        Self.startWriterThread(path: path, log: log, done: done)
        defer {
            log.stop()
            done.wait()
        }
        while log.commitCount < 40 + 20 * round, log.error == nil { Thread.sleep(forTimeInterval: 0.005) }

        if afterCheckpoint {
            log.pause()
            try TestDatabase(path: path, create: false).execute("PRAGMA wal_checkpoint(PASSIVE)")
        }
        let before = log.rows
        let reader = try SQLiteSnapshotReader(path: path)
        // One commit may have landed but not yet been logged.
        let after = log.rows + 25
        log.resume()
        log.resetGap()
        let commitsAtStart = log.commitCount
        let image = dir.path("image.db")
        var batches = 0
        // Between page batches, wait for the writer to commit twice: a blocked writer would stall this.
        try reader.writeImage(to: image, batch: 8) {
            batches += 1
            Self.waitUntil { log.commitCount >= commitsAtStart + 2 * batches || log.error != nil }
        }
        let commitsDuringRead = log.commitCount - commitsAtStart
        let gap = log.gap
        let statistics = reader.statistics
        reader.close()

        #expect(log.error == nil, "writer failed: \(log.error ?? "")")
        #expect(commitsDuringRead >= 2 * batches, "the writer committed only \(commitsDuringRead) times during the read")
        #expect(gap < .seconds(2), "the writer paused \(gap) between commits during the read")
        #expect(reader.writeLockDuration < .seconds(1))
        if afterCheckpoint {
            #expect(statistics.pagesAfterWALRestart > 0, "the WAL was not restarted during the read")
        }
        let rows = try TestDatabase(path: image, create: false).expectConsistentCounter()
        #expect(rows >= before && rows <= after, "image has \(rows) rows, writer had \(before)...\(after) around the capture")
    }

    static let sqliteShell = "/usr/bin/sqlite3"

    /// Polls `condition` every millisecond for up to five seconds.
    static func waitUntil(_ condition: () throws -> Bool) rethrows {
        let deadline = ContinuousClock.now + .seconds(5)
        while try !condition(), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
    }

    @Test(arguments: 1...2)
    func imageIsConsistentWhileAnotherProcessCommits(round: Int) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.sqliteShell), "the sqlite3 shell is needed: apt-get install sqlite3")
        let dir = try TemporaryDirectory()
        let path = dir.path("shared.db")
        let observer = try TestDatabase(path: path)
        try observer.execute("PRAGMA journal_mode = WAL;")
        try observer.createCountedSchema()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.sqliteShell)
        process.arguments = [path]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        let batch = """
            BEGIN;
            WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 25)
              INSERT INTO rows(tag, payload) SELECT abs(random()) % 1000, randomblob(200) FROM c;
            UPDATE rows SET payload = randomblob(200) WHERE id = abs(random()) % (SELECT max(id) FROM rows) + 1;
            UPDATE counter SET n = n + 25;
            COMMIT;

            """
        try input.fileHandleForWriting.write(contentsOf: Data(".timeout 10000\nPRAGMA wal_autocheckpoint = 10;\n".utf8))
        func feed(_ transactions: Int) throws {
            for _ in 0..<transactions {
                try input.fileHandleForWriting.write(contentsOf: Data(batch.utf8))
                Thread.sleep(forTimeInterval: 0.001)
            }
        }
        try feed(100)
        while try observer.integer("SELECT count(*) FROM rows") < 1000 { Thread.sleep(forTimeInterval: 0.01) }

        let before = try observer.integer("SELECT count(*) FROM rows")
        let reader = try SQLiteSnapshotReader(path: path)
        let after = try observer.integer("SELECT count(*) FROM rows")
        let image = dir.path("image.db")
        var batches = 0
        // Between page batches, wait until the other process has committed again: a blocked writer would stall this.
        try reader.writeImage(to: image, batch: 4) {
            batches += 1
            try feed(2)
            try Self.waitUntil { try observer.integer("SELECT count(*) FROM rows") >= after + 25 * batches }
        }
        let grown = try observer.integer("SELECT count(*) FROM rows")
        reader.close()

        #expect(process.isRunning, "the sqlite3 writer exited early")
        #expect(grown - after >= 25 * batches, "the other process added only \(grown - after) rows during the read")
        let rows = try TestDatabase(path: image, create: false).expectConsistentCounter()
        #expect(rows >= before && rows <= after, "image has \(rows) rows, database had \(before)...\(after) around the capture")
    }
}
