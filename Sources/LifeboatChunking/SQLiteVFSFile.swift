import CSQLite
import LifeboatCore

/// A file that an open SQLite connection holds (its database or its WAL), read through SQLite's VFS.
///
/// Reading through the connection's own descriptor instead of opening another one matters:
/// POSIX locks belong to the process, and closing *any* descriptor of a file drops every lock
/// the process holds on it — including the locks of the connection that pins our snapshot.
struct SQLiteVFSFile {
    /// SQLite's "short read" extended result code (SQLITE_IOERR | 2 << 8; the macro is not imported).
    static let shortReadCode: Int32 = SQLITE_IOERR | (2 << 8)
    /// Longest single read handed to the VFS, which takes an Int32 length.
    private static let maxReadLength = 1 << 30

    let file: UnsafeMutablePointer<sqlite3_file>
    private let methods: UnsafePointer<sqlite3_io_methods>
    /// Names the file in error messages.
    let name: String

    /// Wraps a file pointer from `sqlite3_file_control`, or nil when the file is not open.
    init?(_ file: UnsafeMutablePointer<sqlite3_file>?, name: String) {
        guard let file, let methods = file.pointee.pMethods else { return nil }
        self.file = file
        self.methods = methods
        self.name = name
    }

    /// The database (`SQLITE_FCNTL_FILE_POINTER`) or WAL/journal (`SQLITE_FCNTL_JOURNAL_POINTER`) file of `connection`.
    static func of(_ connection: OpaquePointer, operation: Int32, name: String) -> SQLiteVFSFile? {
        var pointer: UnsafeMutablePointer<sqlite3_file>?
        let rc = withUnsafeMutablePointer(to: &pointer) {
            sqlite3_file_control(connection, "main", operation, UnsafeMutableRawPointer($0))
        }
        guard rc == SQLITE_OK else { return nil }
        return SQLiteVFSFile(pointer, name: name)
    }

    /// Fills `buffer` from `offset`; returns false when the file ended first (the rest is then zeros).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Bool {
        guard let xRead = methods.pointee.xRead else {
            throw LifeboatError(.internalError, "the SQLite VFS of \(name) cannot read")
        }
        var done = 0
        while done < buffer.count {
            let length = min(buffer.count - done, Self.maxReadLength)
            let rc = xRead(file, buffer.baseAddress.map { $0 + done }, Int32(length), sqlite3_int64(offset + done))
            if rc == Self.shortReadCode { return false }
            guard rc == SQLITE_OK else {
                throw LifeboatError(
                    .io, "reading \(length) bytes at offset \(offset + done) of \(name) failed: \(String(cString: sqlite3_errstr(rc)))")
            }
            done += length
        }
        return true
    }

    /// The current size of the file in bytes.
    func size() throws -> Int {
        guard let xFileSize = methods.pointee.xFileSize else {
            throw LifeboatError(.internalError, "the SQLite VFS of \(name) cannot report a file size")
        }
        var size: sqlite3_int64 = 0
        let rc = xFileSize(file, &size)
        guard rc == SQLITE_OK else {
            throw LifeboatError(.io, "reading the size of \(name) failed: \(String(cString: sqlite3_errstr(rc)))")
        }
        return Int(size)
    }

    /// A copy of the first `length` bytes of the WAL-index (`-shm`) that SQLite has mapped for this database file,
    /// or nil when the VFS has no shared-memory support or the region is not mapped.
    func sharedMemoryPrefix(length: Int) -> [UInt8]? {
        guard methods.pointee.iVersion >= 2, let xShmMap = methods.pointee.xShmMap else { return nil }
        var region: UnsafeMutableRawPointer?
        // Region 0 of 32 KiB is what SQLite itself maps first; extend = 0 never grows the file.
        let rc = xShmMap(file, 0, 32 * 1024, 0, &region)
        guard rc == SQLITE_OK, let region, length <= 32 * 1024 else { return nil }
        methods.pointee.xShmBarrier?(file)
        return [UInt8](UnsafeRawBufferPointer(start: region, count: length))
    }
}
