import Foundation

/// One run of a backup, identity dump, restore, verify, prune or copy, as the catalog records it.
///
/// Times are stored to the millisecond, so a `Job` read back equals the one
/// ``Catalog`` returned when it wrote it.
public struct Job: Sendable, Hashable, Identifiable {
    /// The job's number in this catalog.
    public var id: JobID
    /// The node the job ran for (a name from the daemon's config).
    public var node: String
    /// What the job does.
    public var kind: JobKind
    /// Why it ran.
    public var trigger: JobTrigger
    /// Who or what triggered it, in words: a schedule name, a user, an API client.
    public var triggerDetail: String?
    /// Where it is in its life.
    public var state: JobState
    /// What it is doing now, or was doing when it stopped: "scanning", "uploading", a runbook step.
    public var phase: String
    /// When it was created (queued).
    public var createdAt: Date
    /// When it started running; nil while Pending, and for a job that never started.
    public var startedAt: Date?
    /// When it finished; nil until then.
    public var endedAt: Date?
    /// Bytes processed so far.
    public var bytesDone: Int64
    /// Bytes it expects to process; nil while unknown.
    public var bytesTotal: Int64?
    /// The snapshot it produced or used, as 64 lower-case hex characters.
    public var snapshot: String?
    /// The repositories that hold ``snapshot``, sorted; a later copy adds to them.
    public var repositories: [String]
    /// Why it failed or partly failed, written for the operator.
    public var errorMessage: String?
    /// Where a restore writes to (a directory, a node); nil for other kinds.
    public var target: String?

    /// How far along it is, 0 to 100, derived from the byte counts; nil while the total is
    /// unknown or zero.
    ///
    /// Computed rather than stored so it can never disagree with the counts. It is clamped
    /// to 100 because the total is an estimate that the work can overrun.
    public var percent: Double? {
        guard let total = bytesTotal, total > 0 else { return nil }
        return min(100, Double(max(0, bytesDone)) * 100 / Double(total))
    }

    /// How long it ran; nil until it both started and finished.
    public var duration: TimeInterval? {
        guard let startedAt, let endedAt else { return nil }
        return endedAt.timeIntervalSince(startedAt)
    }
}
