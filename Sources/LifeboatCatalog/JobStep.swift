import Foundation

/// One step of a job that runs a runbook (a node restore), as the catalog records it.
///
/// Its `status` is the runbook's word: `planned`, `running`, `done`, `warning`, `failed`
/// or `skipped`. The catalog sets ``startedAt`` when a step first reports `running` and
/// ``endedAt`` when it reports any other state after that.
public struct JobStep: Sendable, Hashable, Codable {
    /// The step's short id, e.g. `stop`.
    public var id: String
    /// What the step does for this node.
    public var description: String
    /// Its state.
    public var status: String
    /// What happened, once it ran.
    public var message: String?
    /// When it started running.
    public var startedAt: Date?
    /// When it finished.
    public var endedAt: Date?

    /// Creates a step; the times are the catalog's to set.
    public init(
        id: String, description: String, status: String, message: String? = nil, startedAt: Date? = nil, endedAt: Date? = nil
    ) {
        self.id = id
        self.description = description
        self.status = status
        self.message = message
        self.startedAt = startedAt
        self.endedAt = endedAt
    }

    /// The states in which a step has not finished.
    public static let unfinished: Set<String> = ["planned", "running"]
}
