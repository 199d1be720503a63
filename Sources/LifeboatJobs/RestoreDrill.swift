import Foundation
import LifeboatCatalog
import LifeboatChunking
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository

/// A restore drill: the node's latest state backup restored into a scratch directory, read
/// back file by file against the backup, and each store checked the way it would be used
/// (SQLite `integrity_check`, `pg_restore --list` of PostgreSQL archives, the last line of a
/// MySQL dump, the header of a Redis RDB, the diagnostics record). The evidence goes to the
/// catalog whether the drill passes or fails; the scratch copy is always removed.
extension JobExecutor {
    func drill(node: NodeConfiguration, job: JobID, progress: any ProgressReporter) async throws -> JobOutcome {
        let started = Date()
        let name = await restoreRepository(node.drills?.repository, node: node)
        var evidence = Drill(job: job, node: node.name, repository: name, startedAt: started, duration: 0, passed: false)
        let parent = node.drills?.directory ?? NSTemporaryDirectory()
        let scratch = (parent as NSString).appendingPathComponent("lifeboat-drill-\(node.name)-job\(job)")
        let fm = FileManager.default
        defer { try? fm.removeItem(atPath: scratch) }
        do {
            let repo = try await repositories.repository(name)
            let record = try await repo.findSnapshot("latest", node: node.name, kind: .state)
            evidence.snapshot = record.id.hex
            evidence.snapshotTime = record.snapshot.time
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            let needed = record.snapshot.summary.bytes
            if let free = FreeSpace.of(parent)?.free, free < needed + needed / 10 {
                throw LifeboatError(
                    .noSpace,
                    "\(ByteText.format(free)) free in \(parent), the drill's scratch copy needs \(ByteText.format(needed)) plus 10 %")
            }
            try? fm.removeItem(atPath: scratch)
            try fm.createDirectory(atPath: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            let options = RestoreOptions(target: scratch)
            let (restored, verification) = try await gate.with(name, exclusive: false) {
                let restored = try await repo.restore(record, options: options, progress: progress)
                return (restored, try await repo.verifyRestored(record, target: scratch))
            }
            evidence.files = verification.files
            evidence.bytes = verification.bytes
            evidence.digest = verification.digest
            var checks: [Drill.Check] = []
            checks.append(
                Drill.Check(
                    name: "restore", passed: restored.failures.isEmpty,
                    detail: restored.failures.isEmpty
                        ? "\(restored.files) files, \(ByteText.format(restored.bytes)) written"
                        : "\(restored.failures.count) not restored: " + restored.failures.prefix(3).joined(separator: "; ")))
            checks.append(
                Drill.Check(
                    name: "files", passed: verification.mismatches.isEmpty,
                    detail: verification.mismatches.isEmpty
                        ? "\(verification.files) files, \(ByteText.format(verification.bytes)) read back, SHA-256 equal to the backup's"
                        : "\(verification.mismatches.count) differ: " + verification.mismatches.prefix(3).joined(separator: "; ")))
            checks += try await storeChecks(node: node, record: record, scratch: scratch)
            if let server = node.drills?.postgres {
                checks += await scratchDatabaseChecks(node: node, record: record, repository: repo, server: server, job: job)
            }
            evidence.checks = checks
            evidence.passed = checks.allSatisfy(\.passed)
            if !evidence.passed {
                evidence.error =
                    "the drill of backup \(record.id.short) failed: "
                    + checks.filter { !$0.passed }.map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
            }
        } catch {
            evidence.error = (error as? LifeboatError)?.message ?? "\(error)"
        }
        evidence.duration = Date().timeIntervalSince(started)
        try await catalog?.recordDrill(evidence)
        if let problem = evidence.error { throw LifeboatError(.corrupted, problem) }
        return JobOutcome(
            snapshot: evidence.snapshot, repositories: [name],
            message:
                "drill passed: \(evidence.files) files, \(evidence.checks.count) checks, \(String(format: "%.1f", evidence.duration)) s")
    }

    /// The checks of the node's stores in the scratch copy, in store order.
    func storeChecks(node: NodeConfiguration, record: SnapshotRecord, scratch: String) async throws -> [Drill.Check] {
        let datadir = node.datadir ?? ""
        let staged = NodeRestoreRunbook.stagedDatadir(record, staging: scratch, datadir: datadir)
        // Where a file of the node's (an absolute path) is in the scratch copy.
        func located(_ path: String) -> String {
            if !datadir.isEmpty, staged == scratch, path.hasPrefix(datadir + "/") { return scratch + path.dropFirst(datadir.count) }
            return scratch + path
        }
        var checks: [Drill.Check] = []
        for store in node.stores {
            guard case .sqlite(let path) = store else { continue }
            let file = located(node.resolvedPath(path))
            let problems: [String]
            do { problems = try SQLiteIntegrity.problems(path: file) } catch { problems = ["\(error)"] }
            checks.append(
                Drill.Check(
                    name: "sqlite \(path)", passed: problems.isEmpty,
                    detail: problems.isEmpty ? "integrity_check ok" : problems.prefix(3).joined(separator: "; ")))
        }
        for stream in (record.snapshot.streams ?? []).sorted() {
            let file = staged + "/" + stream
            let entry = stream.split(separator: "/").first.map(String.init) ?? ""
            if entry.hasPrefix("postgres"), stream.hasSuffix(".dump") {
                do {
                    let tables = try await DumpChecks.postgresArchive(file)
                    checks.append(
                        Drill.Check(name: "postgres \(stream)", passed: true, detail: "pg_restore reads its \(tables) table data entries"))
                } catch {
                    checks.append(
                        Drill.Check(name: "postgres \(stream)", passed: false, detail: (error as? LifeboatError)?.message ?? "\(error)"))
                }
            } else if entry.hasPrefix("mysql"), stream.hasSuffix(".sql") {
                let complete = (try? DumpChecks.mysqlDumpIsComplete(file)) ?? false
                checks.append(
                    Drill.Check(
                        name: "mysql \(stream)", passed: complete,
                        detail: complete ? "the dump ends with \"-- Dump completed\"" : "the dump lacks its last line: it was cut short"))
            } else if entry.hasPrefix("redis"), stream.hasSuffix(".rdb") {
                let version = try? DumpChecks.redisRDBVersion(file)
                checks.append(
                    Drill.Check(
                        name: "redis \(stream)", passed: version != nil,
                        detail: version.map { "RDB version \($0)" } ?? "not a Redis RDB file"))
            }
        }
        if FileManager.default.fileExists(atPath: staged + "/" + DiagnosticsCapture.recordPath) {
            let readable = NodeRestoreRunbook.recordedDiagnostics(staged) != nil
            checks.append(
                Drill.Check(
                    name: "diagnostics", passed: readable,
                    detail: readable
                        ? "the node's diagnostics recorded with the backup read back" : "the diagnostics record does not decode"))
        }
        return checks
    }

    /// Each PostgreSQL database of the backup loaded into a new scratch database on `server`
    /// (no owners or grants), its declared tables' row counts compared with the backup's
    /// record, and the scratch database dropped whatever happened.
    func scratchDatabaseChecks(
        node: NodeConfiguration, record: SnapshotRecord, repository: Repository, server: String, job: JobID
    ) async -> [Drill.Check] {
        var checks: [Drill.Check] = []
        var index = 0
        for store in node.stores {
            guard case .postgres(let postgres) = store else { continue }
            let prefix = index == 0 ? "postgres" : "postgres-\(index + 1)"
            index += 1
            let connections = postgres.databases.map { PostgresConnection(name: $0.name, url: server) }
            var scratchNames: [String: String] = [:]
            for database in postgres.databases {
                let safe = String(database.name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.prefix(30))
                scratchNames[database.name] = "lifeboat_drill_\(job.rawValue)_\(safe)"
            }
            let client = PostgresStoreClient(databases: connections)
            var loaded = false
            do {
                let reports = try await client.restore(
                    from: repository, snapshot: record, prefix: prefix, newDatabases: scratchNames, keepOwnership: false)
                for report in reports {
                    let rows = report.rowCounts.values.reduce(0, +)
                    checks.append(
                        Drill.Check(
                            name: "postgres \(prefix)/\(report.name)", passed: true,
                            detail: "loaded into scratch database \(scratchNames[report.name] ?? "?")"
                                + (report.rowCounts.isEmpty
                                    ? "" : ", \(rows) rows in \(report.rowCounts.count) tables, equal to the backup's record")))
                }
                loaded = true
            } catch {
                checks.append(
                    Drill.Check(
                        name: "postgres \(prefix) scratch load", passed: false, detail: (error as? LifeboatError)?.message ?? "\(error)"))
            }
            for connection in connections {
                guard let scratch = scratchNames[connection.name], let target = try? connection.withDatabase(scratch) else { continue }
                do {
                    try await target.dropDatabase()
                } catch {
                    // After a failed load the server may be out of reach: that is reported already.
                    guard loaded else { continue }
                    checks.append(
                        Drill.Check(
                            name: "postgres scratch database \(scratch)", passed: false,
                            detail: "could not be dropped: " + ((error as? LifeboatError)?.message ?? "\(error)")))
                }
            }
        }
        return checks
    }
}
