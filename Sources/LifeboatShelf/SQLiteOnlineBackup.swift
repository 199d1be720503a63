import CSQLite
import Foundation
import LifeboatCore

/// Copies a live SQLite database with SQLite's online backup API, in one read transaction.
enum SQLiteOnlineBackup {
    /// Copies `source` to `destination` as one consistent point in time; writers in WAL mode go on meanwhile.
    static func copy(from source: String, to destination: String) throws {
        let sourceDatabase = try openDatabase(source, flags: SQLITE_OPEN_READWRITE)
        defer { sqlite3_close_v2(sourceDatabase) }
        let destinationDatabase = try openDatabase(destination, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        defer { sqlite3_close_v2(destinationDatabase) }
        // The shelf syncs and renames the finished file itself; a journal would only slow the copy down.
        sqlite3_exec(destinationDatabase, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", nil, nil, nil)

        guard let backup = sqlite3_backup_init(destinationDatabase, "main", sourceDatabase, "main") else {
            throw failure(destinationDatabase, "could not start copying \(source)")
        }
        var result = SQLITE_OK
        var attempts = 0
        repeat {
            // -1 copies every page in one step, under one read transaction: a consistent copy.
            result = sqlite3_backup_step(backup, -1)
            if result == SQLITE_BUSY || result == SQLITE_LOCKED {
                attempts += 1
                usleep(20_000)
            }
        } while (result == SQLITE_BUSY || result == SQLITE_LOCKED) && attempts < 500
        sqlite3_backup_finish(backup)
        guard result == SQLITE_DONE else {
            throw LifeboatError(
                .io, "shelf: copying \(source) failed: \(String(cString: sqlite3_errstr(result))); the previous copy is kept")
        }
    }

    private static func openDatabase(_ path: String, flags: Int32) throws -> OpaquePointer {
        var database: OpaquePointer?
        let result = sqlite3_open_v2(path, &database, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard result == SQLITE_OK, let database else {
            let reason = database.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_close_v2(database)
            throw LifeboatError(.io, "shelf: could not open SQLite database \(path): \(reason)")
        }
        sqlite3_busy_timeout(database, 5_000)
        return database
    }

    private static func failure(_ database: OpaquePointer, _ context: String) -> LifeboatError {
        LifeboatError(.io, "shelf: \(context): \(String(cString: sqlite3_errmsg(database)))")
    }
}

extension ShelfStore {
    /// A SQLite store copied with the online backup API (consistent while the node writes).
    ///
    /// ```swift
    /// ShelfStore.sqlite(module: "vdr", name: "didstore", database: datadir + "/vdr/didstore.db")
    /// ```
    public static func sqlite(module: String, name: String, database path: String) -> ShelfStore {
        ShelfStore(module: module, name: name) { destination in
            try SQLiteOnlineBackup.copy(from: path, to: destination)
        }
    }
}
