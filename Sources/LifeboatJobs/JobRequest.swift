import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatRepository

/// What a job is asked to do.
public enum JobRequest: Sendable, Hashable {
    /// A state backup of a node's stores.
    case backup(node: String)
    /// An identity dump of a node's keys.
    case identity(node: String)
    /// A restore of a node's state backup into a directory, verified afterwards.
    case restore(RestoreRequest)
    /// Reading back a repository's data (`check --read-data`).
    case verify(node: String, repository: String?)
    /// Deleting data no snapshot needs from a repository.
    case prune(repository: String)
    /// The whole restore runbook of a node.
    case nodeRestore(NodeRestoreRequest)
    /// Putting back the data a node restore job moved aside.
    case rollback(node: String, job: JobID)
    /// Finishing or undoing a node restore job that a killed daemon left half done.
    case recover(node: String, job: JobID)
    /// A restore drill: the node's latest state backup restored into a scratch directory and checked.
    case drill(node: String)

    /// The catalog's kind for the job.
    public var kind: JobKind {
        switch self {
        case .backup: .backup
        case .identity: .identity
        case .restore, .nodeRestore, .rollback, .recover: .restore
        case .verify: .verify
        case .prune: .prune
        case .drill: .drill
        }
    }

    /// The catalog's node for the job; a prune, which belongs to a repository, is `repository/NAME`.
    public var node: String {
        switch self {
        case .backup(let node), .identity(let node), .verify(let node, _), .drill(let node): node
        case .restore(let r): r.node
        case .nodeRestore(let r): r.node
        case .rollback(let node, _), .recover(let node, _): node
        case .prune(let repository): "repository/\(repository)"
        }
    }
}

/// A restore asked for through the API or CLI.
public struct RestoreRequest: Sendable, Hashable, Codable {
    /// The node whose backup is restored.
    public var node: String
    /// A snapshot id (or unique prefix) or `latest`.
    public var snapshot: String
    /// The repository to read from; the node's first backup repository unless given.
    public var repository: String?
    /// The directory to restore into.
    public var target: String
    /// Whether a non-empty target may be written into.
    public var force: Bool
    /// Restore only this Redis entry (`redis`, `redis-2`, …) as an RDB file into `target`.
    public var redis: String?
    /// The RDB's file name in `target` (the server's `dbfilename`); `dump.rdb` unless given.
    public var redisFile: String?

    /// Creates a request.
    public init(
        node: String, snapshot: String, repository: String? = nil, target: String, force: Bool = false, redis: String? = nil,
        redisFile: String? = nil
    ) {
        self.node = node
        self.snapshot = snapshot
        self.repository = repository
        self.target = target
        self.force = force
        self.redis = redis
        self.redisFile = redisFile
    }
}

/// How a job ended, as the executor reports it.
public struct JobOutcome: Sendable {
    /// Completed or PartiallyFailed (failures are thrown).
    public var state: JobState
    /// The snapshot produced or restored.
    public var snapshot: String?
    /// Repositories that hold the snapshot.
    public var repositories: [String]
    /// A note for PartiallyFailed.
    public var message: String?

    /// Creates an outcome.
    public init(state: JobState = .completed, snapshot: String? = nil, repositories: [String] = [], message: String? = nil) {
        self.state = state
        self.snapshot = snapshot
        self.repositories = repositories
        self.message = message
    }
}

/// An identity dump, as the identity module provides it: fetch, validate, encrypt and store
/// into the repository, returning the snapshot id.
public typealias IdentityDumpFunction =
    @Sendable (_ node: NodeConfiguration, _ repository: Repository, _ progress: any ProgressReporter) async throws -> String
