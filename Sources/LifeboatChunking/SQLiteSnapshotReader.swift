import CSQLite
import Foundation
import LifeboatCore

/// Reads a consistent point-in-time image of a live SQLite database, page by page,
/// while other processes keep writing to it.
///
/// How the image stays consistent without copying the database:
/// - Connection A takes the write lock (`BEGIN IMMEDIATE`), so nothing can commit.
/// - Connection B starts a read transaction, which pins SQLite's snapshot at that same point.
/// - In WAL mode the WAL is parsed (salts and checksums verified, up to the last commit frame)
///   into a map of page → newest frame, cross-checked against SQLite's WAL index and page count.
/// - A releases the write lock (writers are paused only for this setup, milliseconds for a
///   normal-sized WAL). B's read transaction stays open until ``close()``: a checkpoint then
///   never copies frames newer than our snapshot into the database file, and the WAL is never
///   restarted while our frames are still needed. Only when the WAL was fully checkpointed can
///   it restart; a page whose frame no longer carries our salts is then read from the database
///   file, which holds it and which checkpoints cannot touch while B reads.
/// - A rollback-journal database is frozen by B's shared lock alone; writers there wait
///   (and may time out) until ``close()``, which is inherent to that journal mode.
///
/// Pages are read through the connection's own file descriptors because closing any other
/// descriptor of the database would drop the POSIX locks this process holds on it.
///
/// ```swift
/// let reader = try SQLiteSnapshotReader(path: "/data/node.db")
/// defer { reader.close() }
/// var buffer: [UInt8] = []
/// try reader.readPages(from: 0, count: 256, into: &buffer)
/// ```
///
/// `@unchecked Sendable` is safe because every access to the connection, the file handles
/// and the scratch buffer happens under `lock`; the other stored properties are immutable.
public final class SQLiteSnapshotReader: @unchecked Sendable {
    /// The database file this reader captures.
    public let path: String
    /// The database page size in bytes.
    public let pageSize: Int
    /// The number of pages in the captured image; its size is `pageCount * pageSize` bytes.
    public let pageCount: Int
    /// Whether the database is in WAL mode (otherwise a rollback-journal mode).
    public let usesWriteAheadLog: Bool
    /// How long other writers were held off while the snapshot was pinned.
    public let writeLockDuration: Duration
    /// Whether the WAL's end was cross-checked against SQLite's shared WAL index (false in rollback mode).
    package let verifiedAgainstWALIndex: Bool

    /// Counts of where pages came from, for tests and diagnostics.
    package struct Statistics: Sendable {
        /// Pages served from a WAL frame.
        package var pagesFromWAL = 0
        /// Pages whose frame had been overwritten by a WAL restart, served from the database file.
        package var pagesAfterWALRestart = 0
    }

    private let lock = NSLock()
    private var connection: OpaquePointer?
    private let databaseFile: SQLiteVFSFile
    private let walFile: SQLiteVFSFile?
    private let walIndex: SQLiteWALIndex?
    private var frameBuffer: [UInt8]
    private var counters = Statistics()

    /// Where pages came from so far.
    package var statistics: Statistics {
        lock.withLock { counters }
    }

    /// Pins a snapshot of the database at `path`; waits up to `busyTimeout` for another writer to finish.
    ///
    /// Needs read-write access to the database and its directory (to take the write lock briefly).
    /// It changes no data; as with any SQLite client, closing the last connection to a WAL
    /// database lets SQLite checkpoint the WAL and remove it.
    public init(path: String, busyTimeout: Duration = .seconds(10)) throws {
        let capture = try Self.capture(path: path, busyTimeout: busyTimeout)
        self.path = path
        connection = capture.connection
        pageSize = capture.pageSize
        pageCount = capture.pageCount
        usesWriteAheadLog = capture.usesWriteAheadLog
        writeLockDuration = capture.writeLockDuration
        verifiedAgainstWALIndex = capture.verifiedAgainstWALIndex
        databaseFile = capture.databaseFile
        walFile = capture.walFile
        walIndex = capture.walIndex
        frameBuffer = [UInt8](repeating: 0, count: SQLiteWALIndex.frameHeaderSize + capture.pageSize)
    }

    deinit {
        close()
    }

    /// Whether the file at `path` starts with an SQLite header.
    ///
    /// Opens and closes its own descriptor: do not call it while this process has the same
    /// database open through SQLite (including an open reader), as closing that descriptor
    /// would drop the process's locks on the file.
    public static func isSQLite(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: PageFileFormat.headerLength) else { return false }
        return PageFileFormat.detect(header: [UInt8](data))?.format == .sqlite
    }

    /// Fills `buffer` with pages `firstPage ..< firstPage + count` (0-based) of the image: `count * pageSize` bytes.
    ///
    /// `buffer` is resized to exactly that length; pass the same buffer again to reuse its storage.
    public func readPages(from firstPage: Int, count: Int, into buffer: inout [UInt8]) throws {
        try lock.withLock {
            guard connection != nil else {
                throw LifeboatError(.invalidArgument, "the snapshot reader of \(path) is already closed")
            }
            guard firstPage >= 0, count >= 0, firstPage <= pageCount - count else {
                throw LifeboatError(
                    .invalidArgument,
                    "pages \(firstPage)..<\(firstPage + count) are outside the \(pageCount) pages of the snapshot of \(path)")
            }
            let length = count * pageSize
            if buffer.count > length {
                buffer.removeLast(buffer.count - length)
            } else if buffer.count < length {
                buffer.append(contentsOf: repeatElement(0, count: length - buffer.count))
            }
            guard count > 0 else { return }
            try fill(&buffer, firstPage: firstPage, count: count)
        }
    }

    /// Ends the read transaction and closes the connection; later reads throw. Safe to call twice.
    public func close() {
        lock.withLock {
            guard let connection else { return }
            sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
            sqlite3_close_v2(connection)
            self.connection = nil
        }
    }

    private func fill(_ buffer: inout [UInt8], firstPage: Int, count: Int) throws {
        let start = firstPage * pageSize
        let fileSize = try databaseFile.size()
        let pagesInFile = max(0, min(count, (fileSize - start) / pageSize))
        if pagesInFile > 0 {
            let complete = try buffer.withUnsafeMutableBytes {
                try databaseFile.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<(pagesInFile * pageSize)]), at: start)
            }
            guard complete else {
                throw LifeboatError(.io, "\(path) shrank below \(start + pagesInFile * pageSize) bytes while its snapshot was read")
            }
        }
        for i in 0..<count {
            let pageNumber = firstPage + i + 1
            if let walIndex, let frame = walIndex.frames[UInt32(pageNumber)] {
                if try readFrame(frame, of: walIndex, pageNumber: pageNumber, into: &buffer, at: i * pageSize) {
                    counters.pagesFromWAL += 1
                    continue
                }
                counters.pagesAfterWALRestart += 1
            }
            guard i < pagesInFile else {
                throw LifeboatError(
                    .corrupted,
                    "page \(pageNumber) of \(path) is neither in the database file (\(fileSize) bytes) nor in its WAL")
            }
        }
    }

    /// Copies the page of WAL frame `frame` into `buffer`; false when a WAL restart has overwritten that frame.
    private func readFrame(
        _ frame: UInt32, of index: SQLiteWALIndex, pageNumber: Int, into buffer: inout [UInt8], at destination: Int
    ) throws -> Bool {
        guard let walFile else { return false }
        let offset = index.offset(ofFrame: frame)
        let complete = try frameBuffer.withUnsafeMutableBytes { try walFile.read(into: $0, at: offset) }
        let header = frameBuffer.withUnsafeBytes {
            (page: UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)), salts: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        guard complete, header.salts == index.salts else { return false }
        // SQLite writes a frame's header before its page, so if the salts are still ours after
        // the page was read, no restart began overwriting this frame during our read.
        var saltsAfter: UInt64 = 0
        let stillThere = try withUnsafeMutableBytes(of: &saltsAfter) { try walFile.read(into: $0, at: offset + 8) }
        guard stillThere, saltsAfter == index.salts else { return false }
        guard header.page == UInt32(pageNumber) else {
            throw LifeboatError(
                .corrupted, "WAL frame \(frame) of \(path) holds page \(header.page), but the parsed WAL placed page \(pageNumber) there")
        }
        buffer.withUnsafeMutableBytes { dest in
            frameBuffer.withUnsafeBytes { source in
                let page = UnsafeRawBufferPointer(rebasing: source[SQLiteWALIndex.frameHeaderSize...])
                UnsafeMutableRawBufferPointer(rebasing: dest[destination..<(destination + pageSize)]).copyMemory(from: page)
            }
        }
        return true
    }
}
