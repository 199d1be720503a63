import Foundation
internal import GRDB
import LifeboatCore

extension Catalog {
    /// Recreates history from snapshots listed in repositories: a Completed `backup` (for a
    /// `state` snapshot) or `identity` job for each snapshot no job has produced yet, with
    /// trigger ``JobTrigger/rebuild``, and the listing repository added to jobs that have
    /// the snapshot but did not know that repository.
    ///
    /// Idempotent: a second call with the same listing changes nothing. Existing jobs are
    /// kept as they are, because they carry history the repository does not (failures,
    /// who triggered what). A snapshot listed by several repositories becomes one job
    /// that lists them all. The whole listing is one transaction.
    /// - Throws: `.invalidArgument` naming a snapshot with a malformed id, an empty
    ///   repository or a negative size; nothing is written then.
    @discardableResult
    public func rebuild(from snapshots: [RebuiltSnapshot]) async throws -> RebuildSummary {
        let checked = try snapshots.map { snapshot in
            var snapshot = snapshot
            snapshot.id = try CatalogArgument.snapshot(snapshot.id)
            snapshot.repository = try CatalogArgument.repository(snapshot.repository)
            _ = try CatalogArgument.bytes(snapshot.bytes, "size of snapshot \(snapshot.id)")
            return snapshot
        }
        return try await jobWrite("rebuilding the catalog from \(snapshots.count) snapshots") { db in
            var summary = RebuildSummary(jobsCreated: 0, repositoriesAdded: 0, snapshotsWithoutNode: 0)
            for snapshot in checked {
                guard let node = snapshot.node, !node.isEmpty else {
                    summary.snapshotsWithoutNode += 1
                    continue
                }
                let added = try Self.addRepository(
                    db, snapshot.repository, toJobsProducing: snapshot.id, now: snapshot.time)
                summary.repositoriesAdded += added
                let known = try added > 0 || Self.hasJob(db, producing: snapshot.id)
                if known { continue }
                var record = JobRecord(
                    id: nil, node: node, kind: snapshot.kind == .identity ? .identity : .backup, trigger: .rebuild,
                    triggerDetail: "rebuilt from repository \(snapshot.repository)", state: .completed, phase: "",
                    createdAt: snapshot.time, startedAt: snapshot.time, endedAt: snapshot.time,
                    bytesDone: snapshot.bytes, bytesTotal: snapshot.bytes, snapshotID: snapshot.id,
                    errorMessage: nil, target: nil)
                try record.insert(db)
                try JobRepositoryRecord(
                    jobID: record.requireID(), repository: snapshot.repository, addedAt: snapshot.time
                ).insert(db)
                summary.jobsCreated += 1
            }
            return summary
        }
    }

    /// Whether a backup or identity job already produced `snapshot`.
    private static func hasJob(_ db: Database, producing snapshot: String) throws -> Bool {
        try JobRecord
            .filter(JobRecord.Columns.snapshotID == snapshot)
            .filter([JobKind.backup.rawValue, JobKind.identity.rawValue].contains(JobRecord.Columns.kind))
            .isEmpty(db) == false
    }
}
