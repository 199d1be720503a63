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

    /// A schedule set through the API that replaces the configured one, as JSON; nil uses the configuration.
    public var plan: String?
    /// Whether an operator deleted the schedule through the API (it starts nothing until created again).
    public var deleted: Bool

    /// Creates a schedule state.
    public init(
        node: String, kind: JobKind, paused: Bool = false, lastRun: Date? = nil, nextRun: Date? = nil, plan: String? = nil,
        deleted: Bool = false
    ) {
        self.node = node
        self.kind = kind
        self.paused = paused
        self.lastRun = lastRun
        self.nextRun = nextRun
        self.plan = plan
        self.deleted = deleted
    }
}
