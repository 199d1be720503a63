import CSQLite
import Foundation
import LifeboatCore

/// `PRAGMA integrity_check` of a SQLite file that no one else uses (a restored copy): opened
/// read-only and immutable, so SQLite neither writes to it nor needs its directory.
public enum SQLiteIntegrity {
    /// The problems SQLite reports (at most `limit`); empty when the database is sound.
    /// - Throws: `.io` when the file cannot be opened as a SQLite database.
    public static func problems(path: String, limit: Int = 20) throws -> [String] {
        var db: OpaquePointer?
        let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
        let opened = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nil)
        defer { sqlite3_close_v2(db) }
        guard opened == SQLITE_OK, let db else {
            let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            throw LifeboatError(.io, "cannot open \(path) as a SQLite database: \(reason)")
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "PRAGMA integrity_check(\(max(1, limit)))", -1, &statement, nil) == SQLITE_OK else {
            throw LifeboatError(.io, "\(path) is not a readable SQLite database: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        var out: [String] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                // A file damaged badly enough makes the check itself fail: that is its finding.
                out.append(String(cString: sqlite3_errmsg(db)))
                break
            }
            if let text = sqlite3_column_text(statement, 0) { out.append(String(cString: text)) }
        }
        return out == ["ok"] ? [] : out
    }
}
