import Foundation
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatCatalog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The path of `python3` on PATH, or nil.
private let python3: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// A process writing jobs the way the daemon does (one transaction per change) that the
/// test kills with SIGKILL in the middle. A test binary cannot fork a second Swift writer,
/// so the writer is Python's `sqlite3` module on the catalog file the Swift side migrated:
/// the same file, schema, WAL mode and `synchronous = NORMAL` as a `DatabasePool`.
private let writerScript = """
    import datetime, sqlite3, sys
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA busy_timeout = 10000")
    while True:
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        cursor = db.execute(
            "INSERT INTO job (node, kind, \\"trigger\\", state, phase, created_at, started_at, bytes_done)"
            " VALUES ('crash', 'backup', 'schedule', 'Running', 'uploading', ?, ?, 0)", (now, now))
        job = cursor.lastrowid
        print(job, flush=True)
        for step in range(1, 40):
            db.execute("UPDATE job SET bytes_done = ? WHERE id = ?", (step * 4096, job))
    """

@Suite struct CatalogCrashTests {
    @Test func killedWriterLosesNothingCommitted() async throws {
        try #require(python3 != nil, "python3 is needed for the writer that gets killed: scripts/install-deps installs it")
        let directory = try TemporaryDirectory(prefix: "lifeboat-catalog")
        defer { directory.remove() }
        let path = directory.appending("catalog.db")
        let script = directory.appending("writer.py")
        try writerScript.write(toFile: script, atomically: true, encoding: .utf8)

        // Kept open across the crash, as a daemon's reader would be.
        let catalog = try Catalog(path: path)
        let before = try await catalog.createJob(node: "before", kind: .backup, trigger: .schedule)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python3))
        process.arguments = [script, path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        // Each printed id was committed before it was printed.
        var committed: [Int64] = []
        var pending = ""
        let deadline = Date().addingTimeInterval(30)
        while committed.count < 25 && Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            pending += String(decoding: chunk, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                if let id = Int64(pending[..<newline]) { committed.append(id) }
                pending = String(pending[pending.index(after: newline)...])
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)
        try #require(committed.count >= 25, "the writer committed only \(committed.count) jobs")
        let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        #expect(wal > 0, "the kill left transactions in the WAL, not yet checkpointed")

        for reader in [catalog, try Catalog(path: path)] {
            #expect(try reader.integrityProblems().isEmpty)
            for id in committed {
                let job = try #require(try await reader.job(JobID(id)), "committed job \(id) lost")
                #expect(job.node == "crash")
                #expect(job.state == .running)
            }
        }
        let reopened = try Catalog(path: path)
        let interrupted = try await reopened.markInterruptedRunningJobs()
        #expect(interrupted >= committed.count + 1, "the writer's jobs and the pending one from before")
        #expect(try await reopened.jobs(node: "crash", state: .running).isEmpty)
        #expect(try await reopened.job(before.id)?.state == .failed)
        #expect(try reopened.integrityProblems().isEmpty)
    }
}
