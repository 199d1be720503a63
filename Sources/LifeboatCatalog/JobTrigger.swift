/// Why a job ran; stored as its raw value in `job.trigger`.
public enum JobTrigger: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// The daemon's scheduler started it.
    case schedule
    /// An operator started it from the command line or the console.
    case manual
    /// A client of the HTTP API started it.
    case api
    /// No one ran it here: ``Catalog/rebuild(from:)`` recreated it from a snapshot in a
    /// repository, so its times and sizes are the snapshot's and its history is unknown.
    case rebuild
    /// The daemon started it when it started, to finish or undo a node restore that a kill
    /// of the daemon left half done.
    case recovery

    public var description: String { rawValue }
}
