import CSQLite
import Foundation
import LifeboatCore

extension SQLiteSnapshotReader {
    /// Everything the pinning step produces; the reader owns `connection` from then on.
    struct Capture {
        var connection: OpaquePointer
        var pageSize: Int
        var pageCount: Int
        var usesWriteAheadLog: Bool
        var writeLockDuration: Duration
        var databaseFile: SQLiteVFSFile
        var walFile: SQLiteVFSFile?
        var walIndex: SQLiteWALIndex?
        var verifiedAgainstWALIndex = false
    }

    /// Pins the snapshot: connection A holds the write lock while B starts reading and the WAL is parsed.
    static func capture(path: String, busyTimeout: Duration) throws -> Capture {
        let writer = try open(path, busyTimeout: busyTimeout)
        defer { sqlite3_close_v2(writer) }
        let reader = try open(path, busyTimeout: busyTimeout)
        do {
            let clock = ContinuousClock()
            let started = clock.now
            try execute("BEGIN IMMEDIATE", on: writer, path: path, purpose: "taking the write lock", busyTimeout: busyTimeout)
            var capture: Capture
            do {
                capture = try pin(reader, path: path, busyTimeout: busyTimeout)
            } catch {
                sqlite3_exec(writer, "ROLLBACK", nil, nil, nil)
                throw error
            }
            try execute("ROLLBACK", on: writer, path: path, purpose: "releasing the write lock", busyTimeout: busyTimeout)
            capture.writeLockDuration = clock.now - started
            return capture
        } catch {
            sqlite3_close_v2(reader)
            throw error
        }
    }

    /// Starts B's read transaction and records the snapshot; the caller holds the write lock.
    private static func pin(_ reader: OpaquePointer, path: String, busyTimeout: Duration) throws -> Capture {
        try execute("BEGIN", on: reader, path: path, purpose: "starting the read transaction", busyTimeout: busyTimeout)
        // A deferred BEGIN takes no snapshot; the first read does, while no one can commit.
        try execute(
            "SELECT count(*) FROM sqlite_master", on: reader, path: path, purpose: "starting the read transaction",
            busyTimeout: busyTimeout)
        let pageSize = try queryInteger("PRAGMA page_size", on: reader, path: path, busyTimeout: busyTimeout)
        let pageCount = try queryInteger("PRAGMA page_count", on: reader, path: path, busyTimeout: busyTimeout)
        guard let databaseFile = SQLiteVFSFile.of(reader, operation: SQLITE_FCNTL_FILE_POINTER, name: path) else {
            throw LifeboatError(.internalError, "SQLite did not expose the open file of \(path)")
        }
        var header = [UInt8](repeating: 0, count: PageFileFormat.headerLength)
        let headerComplete = try header.withUnsafeMutableBytes { try databaseFile.read(into: $0, at: 0) }
        if pageCount == 0 {
            return Capture(
                connection: reader, pageSize: pageSize, pageCount: 0, usesWriteAheadLog: false, writeLockDuration: .zero,
                databaseFile: databaseFile)
        }
        guard headerComplete, PageFileFormat.detect(header: header)?.format == .sqlite else {
            throw LifeboatError(.unsupported, "\(path) does not start with an SQLite header")
        }
        // Bytes 18 and 19 are the read and write format versions; 2 means WAL mode.
        guard header[18] == 2 else {
            return Capture(
                connection: reader, pageSize: pageSize, pageCount: pageCount, usesWriteAheadLog: false,
                writeLockDuration: .zero, databaseFile: databaseFile)
        }
        guard let walFile = SQLiteVFSFile.of(reader, operation: SQLITE_FCNTL_JOURNAL_POINTER, name: "\(path)-wal") else {
            throw LifeboatError(.internalError, "SQLite did not open the WAL of \(path) although the database is in WAL mode")
        }
        let (walIndex, verified) = try indexWAL(walFile, databaseFile: databaseFile, pageSize: pageSize, path: path)
        if let walIndex, walIndex.databasePageCount != pageCount {
            throw LifeboatError(
                .corrupted,
                "the WAL of \(path) ends with a database of \(walIndex.databasePageCount) pages, but SQLite reports \(pageCount)")
        }
        return Capture(
            connection: reader, pageSize: pageSize, pageCount: pageCount, usesWriteAheadLog: true, writeLockDuration: .zero,
            databaseFile: databaseFile, walFile: walFile, walIndex: walIndex, verifiedAgainstWALIndex: verified)
    }

    /// Parses the WAL up to the last commit that SQLite's WAL index (`-shm`) shows readers, when that index is readable;
    /// the flag tells whether it was.
    private static func indexWAL(
        _ walFile: SQLiteVFSFile, databaseFile: SQLiteVFSFile, pageSize: Int, path: String
    ) throws -> (SQLiteWALIndex?, Bool) {
        guard let shared = SQLiteWALIndexHeader(databaseFile.sharedMemoryPrefix(length: SQLiteWALIndexHeader.length)) else {
            return (try SQLiteWALIndex.parse(walFile, pageSize: pageSize, frameLimit: nil), false)
        }
        // No frame is visible to readers: the database file alone is the snapshot.
        guard shared.lastFrame > 0 else { return (nil, true) }
        guard let index = try SQLiteWALIndex.parse(walFile, pageSize: pageSize, frameLimit: shared.lastFrame) else {
            throw LifeboatError(
                .corrupted, "SQLite's WAL index of \(path) shows \(shared.lastFrame) frames, but \(path)-wal has no valid header")
        }
        guard index.saltBytes == shared.salts else {
            throw LifeboatError(.corrupted, "the salts in \(path)-wal differ from those in SQLite's WAL index")
        }
        return (index, true)
    }

    /// Opens a read-write connection without creating the file.
    private static func open(_ path: String, busyTimeout: Duration) throws -> OpaquePointer {
        var connection: OpaquePointer?
        let rc = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE, nil)
        guard rc == SQLITE_OK, let connection else {
            let error = failure(rc, connection, path: path, purpose: "opening the database", busyTimeout: busyTimeout)
            sqlite3_close_v2(connection)
            throw error
        }
        let milliseconds = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(connection, Int32(clamping: milliseconds))
        return connection
    }

    private static func execute(
        _ sql: String, on connection: OpaquePointer, path: String, purpose: String, busyTimeout: Duration
    ) throws {
        let rc = sqlite3_exec(connection, sql, nil, nil, nil)
        guard rc == SQLITE_OK else {
            throw failure(rc, connection, path: path, purpose: purpose, busyTimeout: busyTimeout)
        }
    }

    private static func queryInteger(
        _ sql: String, on connection: OpaquePointer, path: String, busyTimeout: Duration
    )
        throws -> Int
    {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        var rc = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw failure(rc, connection, path: path, purpose: "running \(sql)", busyTimeout: busyTimeout)
        }
        rc = sqlite3_step(statement)
        guard rc == SQLITE_ROW else {
            throw failure(rc, connection, path: path, purpose: "running \(sql)", busyTimeout: busyTimeout)
        }
        return Int(sqlite3_column_int64(statement, 0))
    }

    /// Turns an SQLite result code into an error that names the database and what was being done.
    private static func failure(
        _ rc: Int32, _ connection: OpaquePointer?, path: String, purpose: String, busyTimeout: Duration
    ) -> LifeboatError {
        let detail = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
        switch rc & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return LifeboatError(
                .locked, "\(path) stayed locked by another connection for \(busyTimeout) while \(purpose); retry when its writer is idle")
        case SQLITE_NOTADB:
            return LifeboatError(.unsupported, "\(path) is not an SQLite database (\(detail))")
        case SQLITE_CORRUPT:
            return LifeboatError(.corrupted, "SQLite reports \(path) as damaged while \(purpose): \(detail)")
        case SQLITE_CANTOPEN where !FileManager.default.fileExists(atPath: path):
            return LifeboatError(.notFound, "no SQLite database at \(path)")
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH, SQLITE_CANTOPEN:
            return LifeboatError(
                .io,
                "cannot use \(path) while \(purpose): \(detail); the backup needs read-write access to the database and its directory to take the write lock briefly"
            )
        default:
            return LifeboatError(.io, "SQLite failed on \(path) while \(purpose): \(detail)")
        }
    }
}
