/// What a job does; stored as its raw value in `job.kind` and `schedule_state.kind`.
public enum JobKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Captures the node's data stores into a `state` snapshot.
    case backup
    /// Captures the node's keys into an `identity` snapshot.
    case identity
    /// Restores a snapshot onto a node or into a directory.
    case restore
    /// Checks a repository or restores a snapshot somewhere to prove it is usable.
    case verify
    /// Applies retention and deletes data no snapshot needs.
    case prune
    /// Copies snapshots to another repository.
    case copy
    /// Restores a node's latest state backup into a scratch directory and checks it (a restore drill).
    case drill

    public var description: String { rawValue }
}
