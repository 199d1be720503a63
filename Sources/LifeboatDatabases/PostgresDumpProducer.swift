import Foundation
import LifeboatCore
import LifeboatProcess
import LifeboatRepository
import Synchronization

/// Streams `pg_dump --format=custom` of one database, dumped from a snapshot that a psql
/// session exports and holds open, so the recorded row counts are those of the dump.
struct PostgresDumpProducer: StreamProducer {
    let connection: PostgresConnection
    let records: PostgresRecords

    func start() async throws -> any ProducedStream {
        let session = try ChildProcess(try connection.psql(), pipeStdin: true, pipeStdout: true)
        var sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSELECT pg_export_snapshot();\n"
        for table in connection.tables { sql += "SELECT count(*) FROM \(PostgresConnection.quoted(table));\n" }
        try? session.write(Array(sql.utf8))
        let lines = await Self.readLines(session.stdout, count: 1 + connection.tables.count)
        guard lines.count == 1 + connection.tables.count else {
            session.closeStdin()
            let status = await session.wait()
            session.closeStdout()
            throw connection.classify(session.stderrText(), tool: "psql", failure: ChildProcess.describe(status: status) ?? "stopped early")
        }
        var counts: [String: Int64] = [:]
        for (table, line) in zip(connection.tables, lines.dropFirst()) { counts[table] = Int64(line) ?? -1 }
        let dump: ChildProcess
        do {
            dump = try ChildProcess(
                try connection.command(
                    "pg_dump", ["--format=custom", "--no-password", "--snapshot=" + lines[0], "--dbname=" + connection.url]))
        } catch {
            session.kill()
            _ = await session.wait()
            session.closeStdout()
            throw error
        }
        let record = PostgresDatabaseRecord(name: connection.name, rowCounts: counts, capturedAt: Date())
        return PostgresDumpStream(dump: dump, session: session, connection: connection, record: record, records: records)
    }

    /// Reads until `count` lines arrived or the stream ended; the lines, trimmed.
    static func readLines(_ fd: Int32, count: Int) async -> [String] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                var lines = 0
                while lines < count {
                    let n = read(fd, &byte, 1)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    bytes.append(byte)
                    if byte == UInt8(ascii: "\n") { lines += 1 }
                }
                let text = String(decoding: bytes, as: UTF8.self)
                continuation.resume(
                    returning: text.split(separator: "\n", omittingEmptySubsequences: false).prefix(lines).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    })
            }
        }
    }
}

/// The dump in progress and the session holding its snapshot.
final class PostgresDumpStream: ProducedStream {
    let dump: ChildProcess
    let session: ChildProcess
    let connection: PostgresConnection
    let record: PostgresDatabaseRecord
    let records: PostgresRecords

    init(
        dump: ChildProcess, session: ChildProcess, connection: PostgresConnection, record: PostgresDatabaseRecord, records: PostgresRecords
    ) {
        self.dump = dump
        self.session = session
        self.connection = connection
        self.record = record
        self.records = records
    }

    var fd: Int32 { dump.stdout }

    func finish() async throws {
        let status = await dump.wait()
        dump.closeStdout()
        try? session.write(Array("COMMIT;\n".utf8))
        session.closeStdin()
        _ = await session.readStdoutToEnd()
        _ = await session.wait()
        if let failure = ChildProcess.describe(status: status) {
            throw connection.classify(dump.stderrText(), tool: "pg_dump", failure: failure)
        }
        records.append(record)
    }

    func cancel() async {
        dump.kill()
        session.kill()
        _ = await dump.wait()
        _ = await session.wait()
        dump.closeStdout()
        session.closeStdout()
    }
}

/// What one database's backup recorded.
public struct PostgresDatabaseRecord: Codable, Sendable, Hashable {
    /// The database entry's name (its dump is `NAME.dump`).
    public var name: String
    /// Row counts of the declared tables, in the dumped snapshot.
    public var rowCounts: [String: Int64]
    /// When the snapshot was taken.
    public var capturedAt: Date
}

/// What a PostgreSQL backup records beside its dumps (in `postgres.json`).
public struct PostgresManifest: Codable, Sendable, Hashable {
    /// The databases in the order they were dumped (and are restored).
    public var databases: [PostgresDatabaseRecord]
}

/// Records of the dumps of one backup, gathered as they finish (a producer run again
/// replaces its database's record).
final class PostgresRecords: Sendable {
    private let records = Mutex<[String: PostgresDatabaseRecord]>([:])

    func append(_ record: PostgresDatabaseRecord) { records.withLock { $0[record.name] = record } }

    /// The records of `names`, in that order.
    func ordered(_ names: [String]) -> [PostgresDatabaseRecord] {
        records.withLock { r in names.compactMap { r[$0] } }
    }
}

/// Writes `postgres.json` after every dump of the backup finished.
struct PostgresManifestProducer: StreamProducer {
    let records: PostgresRecords
    let order: [String]

    func start() async throws -> any ProducedStream {
        let databases = records.ordered(order)
        guard databases.count == order.count else {
            throw LifeboatError(.internalError, "the PostgreSQL manifest was started before every dump of its store finished")
        }
        return try await BytesProducer(try StoreManifest.encode(PostgresManifest(databases: databases))).start()
    }
}
