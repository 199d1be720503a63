import LifeboatCore

/// What the metrics and the node views show of one node's jobs of one kind: how many
/// ended in each state, the newest job and the newest Completed one.
public struct JobSummary: Sendable, Hashable {
    /// The node.
    public var node: String
    /// The kind of job.
    public var kind: JobKind
    /// Jobs per state (states without jobs left out).
    public var counts: [JobState: Int] = [:]
    /// The newest job, whatever its state.
    public var last: Job?
    /// The newest Completed job.
    public var lastCompleted: Job?

    /// An empty summary: no jobs yet.
    public init(node: String, kind: JobKind) {
        self.node = node
        self.kind = kind
    }
}
