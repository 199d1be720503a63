import Foundation
import LifeboatCore
import LifeboatProcess

/// Checks of database dumps restored as files (a restore drill's scratch copy), each without
/// a server: the dump must be whole and readable by the tool that would load it.
public enum DumpChecks {
    /// `pg_restore --list` of a custom-format archive: the archive's table of contents must
    /// read to its end. Returns the number of `TABLE DATA` entries.
    public static func postgresArchive(_ path: String) async throws -> Int {
        let command = Command("pg_restore", ["--list", path], searchPaths: PostgresConnection.searchPaths)
        let output = try await CommandRunner.run(command)
        if let failure = output.failure {
            throw LifeboatError(.corrupted, "pg_restore --list \(failure): \(output.stderrSummary)")
        }
        return output.stdout.split(separator: "\n").filter { !$0.hasPrefix(";") && $0.contains(" TABLE DATA ") }.count
    }

    /// Whether a `mariadb-dump`/`mysqldump` file ends with the line the tools write last
    /// (`-- Dump completed`), which a dump cut short lacks.
    public static func mysqlDumpIsComplete(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw LifeboatError(.io, "cannot open \(path)") }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size > 512 ? size - 512 : 0)
        let tail = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        return tail.contains("-- Dump completed")
    }

    /// The RDB version of a Redis dump (`REDIS0011` → `0011`), nil when the file does not start like one.
    public static func redisRDBVersion(_ path: String) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw LifeboatError(.io, "cannot open \(path)") }
        defer { try? handle.close() }
        let head = try handle.read(upToCount: 9) ?? Data()
        guard head.count == 9, head.prefix(5) == Data("REDIS".utf8) else { return nil }
        let version = String(decoding: head.suffix(4), as: UTF8.self)
        return version.allSatisfy(\.isNumber) ? version : nil
    }
}
