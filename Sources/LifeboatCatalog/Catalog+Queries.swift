import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// The job with this id, or nil.
    public func job(_ id: JobID) async throws -> Job? {
        try await read("reading job \(id)") { db in try Self.fetchJob(db, id) }
    }

    /// Jobs newest first (by creation time, then id), optionally of one node, kind and state.
    ///
    /// Page with `before`: pass the id of the last job of the previous page to get the
    /// jobs that sort after it. The cursor is a job id, not a time, so jobs created in the
    /// same millisecond are neither skipped nor repeated.
    /// - Parameter limit: at most this many jobs, 1 or more.
    public func jobs(
        node: String? = nil, kind: JobKind? = nil, state: JobState? = nil, limit: Int = 50, before: JobID? = nil
    ) async throws -> [Job] {
        guard limit > 0 else {
            throw LifeboatError(.invalidArgument, "job list limit is \(limit); it must be 1 or more")
        }
        return try await read("listing jobs") { db in
            var request = Self.filtered(node: node, kind: kind, state: state)
            if let before {
                // Compares stored values with stored values, so no date ever round-trips
                // through Swift; an unknown cursor yields NULL and so an empty page.
                request = request.filter(
                    sql: "(created_at, id) < (SELECT cursor.created_at, cursor.id FROM job AS cursor WHERE cursor.id = ?)",
                    arguments: [before.rawValue])
            }
            return try JobInfo.request(request.limit(limit)).fetchAll(db).map { try $0.job() }
        }
    }

    /// The newest job of a node and kind, optionally in a given state (the last Completed
    /// backup, say); nil if there is none.
    public func lastJob(node: String? = nil, kind: JobKind? = nil, state: JobState? = nil) async throws -> Job? {
        try await read("finding the last job") { db in
            try JobInfo.request(Self.filtered(node: node, kind: kind, state: state).limit(1)).fetchOne(db)?.job()
        }
    }

    /// Jobs matching the filters, newest first.
    /// How many jobs match; each filter is optional.
    public func countJobs(node: String? = nil, kind: JobKind? = nil, state: JobState? = nil) async throws -> Int {
        try await read("counting jobs") { db in try Self.filtered(node: node, kind: kind, state: state).fetchCount(db) }
    }

    static func filtered(node: String?, kind: JobKind?, state: JobState?) -> QueryInterfaceRequest<JobRecord> {
        var request = JobRecord.all()
        if let node { request = request.filter(JobRecord.Columns.node == node) }
        if let kind { request = request.filter(JobRecord.Columns.kind == kind.rawValue) }
        if let state { request = request.filter(JobRecord.Columns.state == state.rawValue) }
        return request.order(JobRecord.Columns.createdAt.desc, JobRecord.Columns.id.desc)
    }

    /// The job with its repositories, or nil.
    static func fetchJob(_ db: Database, _ id: JobID) throws -> Job? {
        try JobInfo.request(JobRecord.filter(key: id.rawValue)).fetchOne(db)?.job()
    }
}
