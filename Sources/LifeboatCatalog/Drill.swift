import Foundation

/// What one restore drill proved: the backup restored into a scratch directory, how long it
/// took, a digest of what came back, and each check with its result.
public struct Drill: Sendable, Hashable {
    /// One check of the restored copy.
    public struct Check: Sendable, Hashable, Codable {
        /// What was checked, e.g. `files`, `sqlite network/data.db`.
        public var name: String
        /// Whether it held.
        public var passed: Bool
        /// What was found.
        public var detail: String

        /// Creates a check.
        public init(name: String, passed: Bool, detail: String) {
            self.name = name
            self.passed = passed
            self.detail = detail
        }
    }

    /// The drill's job.
    public var job: JobID
    /// The node drilled.
    public var node: String
    /// The repository restored from.
    public var repository: String
    /// The snapshot restored (full id), nil when none could be found.
    public var snapshot: String?
    /// When that snapshot was taken.
    public var snapshotTime: Date?
    /// When the drill began.
    public var startedAt: Date
    /// Seconds from start to end.
    public var duration: Double
    /// Files restored.
    public var files: Int
    /// Bytes restored.
    public var bytes: Int64
    /// SHA-256 over the sorted list of restored paths with each file's SHA-256 (hex), nil when the restore failed.
    public var digest: String?
    /// Whether the restore and every check succeeded.
    public var passed: Bool
    /// The checks, in the order they ran.
    public var checks: [Check]
    /// Why the drill failed, when it did.
    public var error: String?

    /// Creates the evidence of a drill.
    public init(
        job: JobID, node: String, repository: String, snapshot: String? = nil, snapshotTime: Date? = nil, startedAt: Date,
        duration: Double, files: Int = 0, bytes: Int64 = 0, digest: String? = nil, passed: Bool, checks: [Check] = [],
        error: String? = nil
    ) {
        self.job = job
        self.node = node
        self.repository = repository
        self.snapshot = snapshot
        self.snapshotTime = snapshotTime
        self.startedAt = startedAt
        self.duration = duration
        self.files = files
        self.bytes = bytes
        self.digest = digest
        self.passed = passed
        self.checks = checks
        self.error = error
    }
}
