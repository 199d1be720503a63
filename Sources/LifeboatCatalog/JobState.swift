/// Where a job is in its life; stored as its raw value in `job.state`.
///
/// ```
/// Pending ─start─▶ Running ─finish─▶ Completed | Failed | PartiallyFailed | Cancelled
///    └──────────────finish─────────▶ Failed | Cancelled
/// ```
/// The four finished states are final.
public enum JobState: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Created, waiting to start (for a lock, a slot, a node).
    case pending = "Pending"
    /// Started and not finished.
    case running = "Running"
    /// Did everything it was asked to.
    case completed = "Completed"
    /// Did not do what it was asked to; `Job.errorMessage` says why.
    case failed = "Failed"
    /// Produced a result that misses something (a store, a repository); `Job.errorMessage` says what.
    case partiallyFailed = "PartiallyFailed"
    /// Stopped on purpose (an operator, a shutdown) before it finished.
    case cancelled = "Cancelled"

    /// Whether the job has finished, for better or worse; such a job never changes state again.
    public var isFinished: Bool {
        switch self {
        case .pending, .running: false
        case .completed, .failed, .partiallyFailed, .cancelled: true
        }
    }

    /// The states a job in this state may finish as.
    ///
    /// A Pending job never ran, so it can fail (it could not start) or be cancelled, but
    /// not complete or partly fail.
    var finishStates: [JobState] {
        switch self {
        case .pending: [.failed, .cancelled]
        case .running: [.completed, .failed, .partiallyFailed, .cancelled]
        case .completed, .failed, .partiallyFailed, .cancelled: []
        }
    }

    public var description: String { rawValue }
}
