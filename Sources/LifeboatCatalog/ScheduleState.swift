import Foundation

/// The scheduler's memory for one kind of job on one node: paused or not, last and next run.
public struct ScheduleState: Sendable, Hashable {
    /// The node the schedule belongs to.
    public var node: String
    /// The kind of job it starts.
    public var kind: JobKind
    /// Whether an operator paused it; a paused schedule starts nothing.
    public var paused: Bool
    /// When it last started a job; nil if never.
    public var lastRun: Date?
    /// When it will next start one; nil when paused or not yet computed.
    public var nextRun: Date?

    /// Creates a schedule state.
    public init(node: String, kind: JobKind, paused: Bool = false, lastRun: Date? = nil, nextRun: Date? = nil) {
        self.node = node
        self.kind = kind
        self.paused = paused
        self.lastRun = lastRun
        self.nextRun = nextRun
    }
}
