import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// Records a new job in state Pending and returns it with its new id.
    public func createJob(
        node: String, kind: JobKind, trigger: JobTrigger, triggerDetail: String? = nil, target: String? = nil,
        now: Date = Date()
    ) async throws -> Job {
        let node = try CatalogArgument.node(node)
        return try await jobWrite("creating a \(kind) job for node \(node)", pair: { ($0.node, $0.kind) }) { db in
            var record = JobRecord(
                node: node, kind: kind, trigger: trigger, triggerDetail: triggerDetail, target: target, createdAt: now)
            try record.insert(db)
            return try Self.requireJob(db, JobID(record.requireID()), in: self.location)
        }
    }

    /// Moves a Pending job to Running.
    /// - Throws: `.notFound` for an unknown id, `.invalidArgument` unless the job is Pending.
    @discardableResult
    public func start(_ id: JobID, now: Date = Date()) async throws -> Job {
        try await jobWrite("starting job \(id)", pair: { ($0.node, $0.kind) }) { db in
            var record = try Self.requireRecord(db, id, in: self.location)
            guard record.state == .pending else {
                throw LifeboatError(
                    .invalidArgument, "cannot start job \(id): it is \(record.state); only a Pending job can start")
            }
            record.state = .running
            record.startedAt = now
            try record.update(db, columns: [JobRecord.Columns.state, JobRecord.Columns.startedAt])
            return try Self.requireJob(db, id, in: self.location)
        }
    }

    /// Records how far a Running job got: one small UPDATE, cheap enough to call often
    /// (throttling is the caller's job).
    ///
    /// A nil `phase` or `bytesTotal` keeps the value stored before.
    /// - Throws: `.notFound` for an unknown id, `.invalidArgument` unless the job is Running
    ///   or when a count is negative.
    public func updateProgress(_ id: JobID, phase: String? = nil, bytesDone: Int64, bytesTotal: Int64? = nil) async throws {
        let bytesDone = try CatalogArgument.bytes(bytesDone, "bytes done for job \(id)")
        let bytesTotal = try bytesTotal.map { try CatalogArgument.bytes($0, "bytes total for job \(id)") }
        _ = try await jobWrite("recording progress of job \(id)", pair: { $0 }) { db -> (node: String, kind: JobKind)? in
            // The state test sits in the UPDATE so the common case is one statement; only a
            // miss pays for the lookup that explains it.
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE job SET bytes_done = ?, bytes_total = COALESCE(?, bytes_total), phase = COALESCE(?, phase)
                    WHERE id = ? AND state = ? RETURNING node, kind
                    """)
            if let row = try Row.fetchOne(statement, arguments: [bytesDone, bytesTotal, phase, id.rawValue, JobState.running.rawValue]),
                let kind = JobKind(rawValue: row["kind"])
            {
                return (row["node"], kind)
            }
            let record = try Self.requireRecord(db, id, in: self.location)
            throw LifeboatError(
                .invalidArgument,
                "cannot record progress for job \(id): it is \(record.state); only a Running job reports progress")
        }
    }

    /// Finishes a job: sets its final state, end time, snapshot, error message, and the
    /// repositories that hold the snapshot.
    ///
    /// A Running job may finish as any finished state; a Pending one only as Failed (it
    /// could not start) or Cancelled. A finished job never changes again.
    /// - Parameters:
    ///   - snapshot: the snapshot the job produced, 64 hex characters; nil keeps what is stored.
    ///   - error: why it failed or partly failed, for the operator.
    ///   - repositories: repositories that hold the snapshot; requires a snapshot.
    /// - Throws: `.notFound` for an unknown id, `.invalidArgument` for a transition the
    ///   state machine does not allow or a malformed snapshot id.
    @discardableResult
    public func finish(
        _ id: JobID, state: JobState, snapshot: String? = nil, error: String? = nil, repositories: [String] = [],
        now: Date = Date()
    ) async throws -> Job {
        guard state.isFinished else {
            throw LifeboatError(
                .invalidArgument,
                "cannot finish job \(id) as \(state): a job finishes as Completed, Failed, PartiallyFailed or Cancelled")
        }
        let snapshot = try snapshot.map(CatalogArgument.snapshot)
        let repositories = try repositories.map(CatalogArgument.repository)
        return try await jobWrite("finishing job \(id)", pair: { ($0.node, $0.kind) }) { db in
            var record = try Self.requireRecord(db, id, in: self.location)
            guard record.state.finishStates.contains(state) else {
                let reason =
                    record.state.isFinished
                    ? "it already finished as \(record.state)"
                    : "it is \(record.state) and never started; a Pending job can only finish as Failed or Cancelled"
                throw LifeboatError(.invalidArgument, "cannot finish job \(id) as \(state): \(reason)")
            }
            record.state = state
            record.endedAt = now
            record.snapshotID = snapshot ?? record.snapshotID
            record.errorMessage = error
            if !repositories.isEmpty && record.snapshotID == nil {
                throw LifeboatError(
                    .invalidArgument,
                    "cannot record repositories for job \(id): it names no snapshot for them to hold")
            }
            try record.update(db)
            for repository in repositories {
                try JobRepositoryRecord(jobID: id.rawValue, repository: repository, addedAt: now)
                    .insert(db, onConflict: .ignore)
            }
            return try Self.requireJob(db, id, in: self.location)
        }
    }

    /// Records that `repository` now also holds `snapshot` (after a copy), on every backup
    /// or identity job that produced it; returns how many jobs gained the entry.
    @discardableResult
    public func addRepository(_ repository: String, forSnapshot snapshot: String, now: Date = Date()) async throws -> Int {
        let repository = try CatalogArgument.repository(repository)
        let snapshot = try CatalogArgument.snapshot(snapshot)
        return try await jobWrite("adding repository \(repository) to snapshot \(snapshot)") { db in
            try Self.addRepository(db, repository, toJobsProducing: snapshot, now: now)
        }
    }

    /// Settles the jobs a crash left unfinished; call once when the daemon starts, while it
    /// holds its single-instance lock, before it runs anything. Returns how many it changed.
    ///
    /// They become **Failed**, not Cancelled: Cancelled means someone chose to stop the job,
    /// while here the work silently did not happen, and alerts on "last backup failed" must
    /// see that. Running jobs get the error "interrupted: the daemon stopped while the job
    /// was running"; Pending ones, which never started, "interrupted: the daemon stopped
    /// before the job started". Their phase is kept to show where they stopped.
    @discardableResult
    public func markInterruptedRunningJobs(now: Date = Date()) async throws -> Int {
        try await jobWrite("marking interrupted jobs as failed") { db in
            let reasons: [(JobState, String)] = [
                (.running, "interrupted: the daemon stopped while the job was running"),
                (.pending, "interrupted: the daemon stopped before the job started"),
            ]
            var changed = 0
            for (state, reason) in reasons {
                changed += try JobRecord.filter(JobRecord.Columns.state == state.rawValue).updateAll(
                    db,
                    JobRecord.Columns.state.set(to: JobState.failed.rawValue),
                    JobRecord.Columns.errorMessage.set(to: reason),
                    JobRecord.Columns.endedAt.set(to: now))
            }
            return changed
        }
    }

    /// Adds `repository` to the backup and identity jobs that produced `snapshot`; returns
    /// how many gained it (a job that already lists it is left alone).
    static func addRepository(_ db: Database, _ repository: String, toJobsProducing snapshot: String, now: Date) throws -> Int {
        let jobIDs = try Int64.fetchAll(
            db,
            JobRecord.select(JobRecord.Columns.id)
                .filter(JobRecord.Columns.snapshotID == snapshot)
                .filter([JobKind.backup.rawValue, JobKind.identity.rawValue].contains(JobRecord.Columns.kind)))
        var added = 0
        for jobID in jobIDs {
            try JobRepositoryRecord(jobID: jobID, repository: repository, addedAt: now).insert(db, onConflict: .ignore)
            added += db.changesCount
        }
        return added
    }

    /// The job's row, or `.notFound` naming it.
    static func requireRecord(_ db: Database, _ id: JobID, in location: String) throws -> JobRecord {
        guard let record = try JobRecord.fetchOne(db, key: id.rawValue) else {
            throw LifeboatError(.notFound, "job \(id) not found in catalog \(location)")
        }
        return record
    }

    /// The job with its repositories, or `.notFound` naming it.
    static func requireJob(_ db: Database, _ id: JobID, in location: String) throws -> Job {
        guard let job = try fetchJob(db, id) else {
            throw LifeboatError(.notFound, "job \(id) not found in catalog \(location)")
        }
        return job
    }
}
