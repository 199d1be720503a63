import Foundation
import LifeboatCore

/// Reads SQLite files in tests with the `sqlite3` command-line tool, opening them immutable
/// so a probe never writes `-wal`/`-shm` files next to a copy it checks.
///
/// ```swift
/// #expect(try SQLiteProbe.integrityCheck(shelf + "/network/data.db") == "ok")
/// ```
public enum SQLiteProbe {
    /// `PRAGMA integrity_check` of the file: "ok" when sound, SQLite's complaint otherwise.
    public static func integrityCheck(_ path: String) throws -> String {
        try query(path, "PRAGMA integrity_check")
    }

    /// The output of one SQL statement (rows separated by newlines, columns by `|`), trimmed.
    public static func query(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", "file:\(path)?immutable=1", sql]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw LifeboatError(.unsupported, "could not run sqlite3 (apt-get install -y sqlite3): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            throw LifeboatError(.io, "sqlite3 \(path) \"\(sql)\" failed (status \(process.terminationStatus)): \(text)")
        }
        return text
    }
}
