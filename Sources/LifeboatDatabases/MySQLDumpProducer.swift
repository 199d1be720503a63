import Foundation
import LifeboatCore
import LifeboatProcess
import LifeboatRepository

/// Streams `mariadb-dump --single-transaction` of one database: InnoDB tables are read in
/// one consistent snapshot while the node goes on writing, and no table is locked.
struct MySQLDumpProducer: StreamProducer {
    let connection: MySQLConnection

    /// The dump's options: one transaction, rows streamed (`--quick`), binary columns as hex,
    /// triggers kept; no tablespace statements (they need the PROCESS privilege).
    static let dumpArguments = [
        "--single-transaction", "--skip-lock-tables", "--quick", "--triggers", "--hex-blob", "--no-tablespaces",
    ]

    func start() async throws -> any ProducedStream {
        let options = try MySQLOptionFile(password: try connection.password())
        do {
            let command = try connection.command(
                MySQLConnection.dumpTools, Self.dumpArguments + ["--", connection.name], options: options)
            return MySQLDumpStream(dump: try ChildProcess(command), connection: connection, options: options)
        } catch {
            options.remove()
            throw error
        }
    }
}

/// The dump in progress; its option file goes when the dump has ended.
final class MySQLDumpStream: ProducedStream {
    let dump: ChildProcess
    let connection: MySQLConnection
    let options: MySQLOptionFile

    init(dump: ChildProcess, connection: MySQLConnection, options: MySQLOptionFile) {
        self.dump = dump
        self.connection = connection
        self.options = options
    }

    var fd: Int32 { dump.stdout }

    func finish() async throws {
        let status = await dump.wait()
        dump.closeStdout()
        options.remove()
        if let failure = ChildProcess.describe(status: status) {
            throw connection.classify(dump.stderrText(), tool: dump.name, failure: failure)
        }
    }

    func cancel() async {
        dump.kill()
        _ = await dump.wait()
        dump.closeStdout()
        options.remove()
    }
}
