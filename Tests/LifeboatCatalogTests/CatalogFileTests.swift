import Foundation
import GRDB
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatCatalog

@Suite struct CatalogFileTests {
    @Test func reopenedCatalogHasEverythingCommitted() async throws {
        let directory = try TemporaryDirectory(prefix: "lifeboat-catalog")
        defer { directory.remove() }
        let path = directory.appending("catalog.db")

        let first = try Catalog(path: path)
        let job = try await first.createJob(node: "n", kind: .backup, trigger: .schedule, now: time(0))
        try await first.start(job.id, now: time(1))
        try await first.updateProgress(job.id, phase: "uploading", bytesDone: 10, bytesTotal: 20)
        let finished = try await first.finish(
            job.id, state: .partiallyFailed, snapshot: snapshotID(5), error: "store vdr skipped",
            repositories: ["r"], now: time(2))
        try await first.recordParticipantIdentifier(node: "n", identifier: "p1", now: time(3))
        try await first.setScheduleState(ScheduleState(node: "n", kind: .backup, paused: true, lastRun: time(4)))
        try first.close()

        let second = try Catalog(path: path)
        #expect(try await second.job(job.id) == finished)
        #expect(try await second.usedParticipantIdentifiers(node: "n").map(\.identifier) == ["p1"])
        #expect(try await second.scheduleState(node: "n", kind: .backup)?.paused == true)
        let next = try await second.createJob(node: "n", kind: .backup, trigger: .schedule)
        #expect(next.id > job.id)
    }

    @Test func migrationsRunOnAnEmptyFileAndOnlyOnce() async throws {
        let directory = try TemporaryDirectory(prefix: "lifeboat-catalog")
        defer { directory.remove() }
        let path = directory.appending("catalog.db")
        // A zero-byte file is an empty SQLite database.
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))

        let first = try Catalog(path: path)
        #expect(try first.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5", "v6"])
        let job = try await first.createJob(node: "n", kind: .backup, trigger: .schedule)
        try first.close()

        let again = try Catalog(path: path)
        #expect(try again.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5", "v6"])
        #expect(try await again.job(job.id)?.node == "n", "migrating an up-to-date file keeps its rows")
        let tables = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        for table in ["job", "job_repository", "participant_identifier", "schedule_state"] {
            #expect(tables.contains(table), "\(tables)")
        }
    }

    @Test func fileFromANewerLifeboatIsRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "lifeboat-catalog")
        defer { directory.remove() }
        let path = directory.appending("catalog.db")
        try Catalog(path: path).close()
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
        }
        await expectError(.unsupported, containing: [path, "newer Lifeboat"]) { _ = try Catalog(path: path) }
    }

    @Test func badPathsAreExplained() async throws {
        let directory = try TemporaryDirectory(prefix: "lifeboat-catalog")
        defer { directory.remove() }
        let missing = directory.appending("no/such/dir/catalog.db")
        await expectError(.notFound, containing: [missing, "directory \(directory.appending("no/such/dir")) does not exist"]) {
            _ = try Catalog(path: missing)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appending("no")), "nothing was created")

        await expectError(.invalidArgument, containing: ["\(directory.path) is a directory"]) {
            _ = try Catalog(path: directory.path)
        }

        let garbage = directory.appending("garbage.db")
        let bytes = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        #expect(FileManager.default.createFile(atPath: garbage, contents: bytes))
        await expectError(.corrupted, containing: [garbage, "not a sound SQLite database"]) {
            _ = try Catalog(path: garbage)
        }
    }

    @Test func interruptedJobsBecomeFailed() async throws {
        try await withCatalog { catalog, _ in
            let running = try await catalog.createJob(node: "n", kind: .backup, trigger: .schedule)
            try await catalog.start(running.id)
            try await catalog.updateProgress(running.id, phase: "uploading", bytesDone: 5)
            let pending = try await catalog.createJob(node: "n", kind: .identity, trigger: .schedule)
            let done = try await catalog.createJob(node: "n", kind: .verify, trigger: .schedule)
            try await catalog.start(done.id)
            let completed = try await catalog.finish(done.id, state: .completed)

            #expect(try await catalog.markInterruptedRunningJobs(now: time(9)) == 2)

            let wasRunning = try #require(try await catalog.job(running.id))
            #expect(wasRunning.state == .failed)
            #expect(wasRunning.errorMessage == "interrupted: the daemon stopped while the job was running")
            #expect(wasRunning.endedAt == time(9))
            #expect(wasRunning.phase == "uploading", "where it stopped is kept")
            let wasPending = try #require(try await catalog.job(pending.id))
            #expect(wasPending.state == .failed)
            #expect(wasPending.errorMessage == "interrupted: the daemon stopped before the job started")
            #expect(try await catalog.job(done.id) == completed)

            #expect(try await catalog.markInterruptedRunningJobs() == 0)
            await expectError(.invalidArgument, containing: ["already finished as Failed"]) {
                try await catalog.finish(running.id, state: .completed)
            }
        }
    }

    @Test func concurrentProgressUpdatesAllLand() async throws {
        try await withCatalog { catalog, _ in
            var ids: [JobID] = []
            for index in 0..<4 {
                let job = try await catalog.createJob(node: "n\(index)", kind: .backup, trigger: .schedule)
                try await catalog.start(job.id)
                ids.append(job.id)
            }
            let updates = 100
            let shared = ids[0]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in ids {
                    group.addTask {
                        for step in 1...updates {
                            try await catalog.updateProgress(
                                id, phase: "step \(step)", bytesDone: Int64(step) * 10, bytesTotal: Int64(updates) * 10)
                        }
                    }
                }
                // A second writer on one job, and a reader that must see each job's bytes only grow.
                group.addTask {
                    for step in 1...updates {
                        try await catalog.updateProgress(shared, bytesDone: Int64(step) * 10)
                    }
                }
                group.addTask {
                    var seen: [JobID: Int64] = [:]
                    for _ in 0..<50 {
                        for job in try await catalog.jobs() where job.id != shared {
                            #expect(job.bytesDone >= seen[job.id, default: 0])
                            seen[job.id] = job.bytesDone
                        }
                    }
                }
                try await group.waitForAll()
            }
            for id in ids {
                let job = try #require(try await catalog.job(id))
                #expect(job.bytesDone == Int64(updates) * 10)
                #expect(job.percent == 100)
                #expect(job.state == .running)
            }
            #expect(try await catalog.job(ids[1])?.phase == "step \(updates)")
            #expect(try catalog.integrityProblems().isEmpty)
        }
    }
}
