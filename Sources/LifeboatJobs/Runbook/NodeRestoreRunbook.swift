import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A whole-node restore asked for through the API or `lifeboat node restore`.
public struct NodeRestoreRequest: Sendable, Hashable, Codable {
    /// The node.
    public var node: String
    /// A snapshot id (or prefix) or `latest`.
    public var backup: String
    /// The repository to read from; the node's first backup repository unless given.
    public var repository: String?
    /// An identity dump to restore the keys from, by name or snapshot id.
    public var identityDump: String?
    /// The age identity file (on the daemon's host) that decrypts the dump.
    public var identityFile: String?
    /// Canton: write a restore kit for this new participant identifier (never used by the node before).
    public var newParticipantId: String?
    /// Canton: where the restore kit goes (new or empty); next to the datadir by default.
    public var restoreKitDirectory: String?
    /// Leave the node as it is when a step after the stop fails, instead of rolling back.
    public var noRollback: Bool
    /// Where the original node answers, if not at the control URL recorded with the backup.
    public var original: String?
    /// Go ahead although the original still answers with the identity being restored: the
    /// operator has made sure it can no longer act (`--i-have-stopped-the-original`).
    public var iHaveStoppedTheOriginal: Bool

    /// Creates a request.
    public init(
        node: String, backup: String = "latest", repository: String? = nil, identityDump: String? = nil, identityFile: String? = nil,
        newParticipantId: String? = nil, restoreKitDirectory: String? = nil, noRollback: Bool = false, original: String? = nil,
        iHaveStoppedTheOriginal: Bool = false
    ) {
        self.noRollback = noRollback
        self.original = original
        self.iHaveStoppedTheOriginal = iHaveStoppedTheOriginal
        self.node = node
        self.backup = backup
        self.repository = repository
        self.identityDump = identityDump
        self.identityFile = identityFile
        self.newParticipantId = newParticipantId
        self.restoreKitDirectory = restoreKitDirectory
    }

    /// Decodes an API body: every key optional, `backup` defaulting to `latest`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        node = try c.decodeIfPresent(String.self, forKey: .node) ?? ""
        backup = try c.decodeIfPresent(String.self, forKey: .backup) ?? "latest"
        repository = try c.decodeIfPresent(String.self, forKey: .repository)
        identityDump = try c.decodeIfPresent(String.self, forKey: .identityDump)
        identityFile = try c.decodeIfPresent(String.self, forKey: .identityFile)
        newParticipantId = try c.decodeIfPresent(String.self, forKey: .newParticipantId)
        restoreKitDirectory = try c.decodeIfPresent(String.self, forKey: .restoreKitDirectory)
        noRollback = try c.decodeIfPresent(Bool.self, forKey: .noRollback) ?? false
        original = try c.decodeIfPresent(String.self, forKey: .original)
        iHaveStoppedTheOriginal = try c.decodeIfPresent(Bool.self, forKey: .iHaveStoppedTheOriginal) ?? false
    }

    enum CodingKeys: String, CodingKey {
        case node, backup, repository, identityDump, identityFile, newParticipantId, restoreKitDirectory, noRollback, original
        case iHaveStoppedTheOriginal
    }
}

/// One step of a restore runbook as plans and reports show it.
public struct RunbookStep: Sendable, Hashable, Codable {
    /// A short id, e.g. `stop`.
    public var id: String
    /// What the step does for this node.
    public var description: String
    /// `planned`, `done`, `skipped`, `warning` or `failed`.
    public var status: String
    /// What happened, when it ran.
    public var message: String?
}

/// Restores keys from an identity dump into a node (provided by the identity module).
public typealias IdentityRestoreFunction =
    @Sendable (_ node: NodeConfiguration, _ repository: Repository, _ dump: String, _ identityFile: String) async throws -> String

/// The restore runbook: check, stage and verify the backup, stop the node, move its data
/// aside (kept for rollback until success), put the backup in place, restore keys, start
/// the node, wait for it, send the reprocess calls its version needs, and wait until its
/// diagnostics show it started from the state captured (see ``DiagnosticsComparison``).
struct NodeRestoreRunbook: Sendable {
    let node: NodeConfiguration
    let request: NodeRestoreRequest
    let repository: Repository
    let repositoryName: String
    let identityRestore: IdentityRestoreFunction?
    /// The job catalog, which remembers participant identifiers handed out in Canton restore kits.
    var catalog: Catalog?
    let logger: Logger

    /// Where a job keeps the node's previous data until the restore succeeds.
    static func rollbackDirectory(datadir: String, node: String, job: JobID) -> String {
        let parent = (datadir as NSString).deletingLastPathComponent
        return "\(parent)/.lifeboat-rollback-\(node)-job\(job)"
    }

    static func stagingDirectory(datadir: String, node: String, job: JobID) -> String {
        let parent = (datadir as NSString).deletingLastPathComponent
        return "\(parent)/.lifeboat-staging-\(node)-job\(job)"
    }

    var controller: NodeController { NodeController(node: node) }
    var client: NodeClient? { node.control?.url.map(NodeClient.init(base:)) }

    /// The steps for this node, none run.
    func plan(snapshot: SnapshotRecord?) -> [RunbookStep] {
        let datadir = node.datadir ?? "(no datadir)"
        let entries = NodeProfiles.replacedEntries(node)
        let reprocess = NodeProfiles.reprocessTypes(node)
        var steps: [RunbookStep] = []
        func add(_ id: String, _ text: String) { steps.append(RunbookStep(id: id, description: text, status: "planned")) }
        let which = snapshot.map { "\($0.id.short) of \(ISO8601.format($0.snapshot.time))" } ?? request.backup
        add(
            "check",
            "check prerequisites: backup \(which) in \(repositoryName) readable, space for it, identity dump present"
                + (request.identityDump == nil ? "" : ", the original node no longer answering with the identity"))
        add("stage", "restore the backup into a staging directory next to \(datadir) and verify every file")
        add("stop", "stop the node (\(controller.stopDescription)) and wait until it has released its files")
        add("move-aside", "move \(entries.joined(separator: ", ")) aside as a rollback copy (kept until the restore succeeds)")
        let shelfNote =
            node.stores.contains { if case .shelf = $0 { true } else { false } } ? "; the shelf's store copies to their datadir paths" : ""
        let redisNote =
            node.stores.contains { if case .redis = $0 { true } else { false } }
            ? "; Redis: stop the server, put the backup's RDB in its data directory, start it and compare its key count" : ""
        let databaseNote =
            Self.databaseTargets(node).isEmpty
            ? "" : "; databases: each copied as the node left it (for a rollback), then loaded from the backup's dump"
        add(
            "restore-stores",
            "put the backed-up stores in \(datadir), keeping the directory structure" + shelfNote + redisNote + databaseNote)
        add("restore-side-files", node.profile.isNuts ? "restore vcr/trusted_issuers.yaml" : "restore side files kept with the stores")
        add("restore-keys", restoreKeysDescription)
        add("start", "start the node (\(controller.startDescription ?? "not configured"))")
        add("wait-healthy", client.map { "wait until \($0.base)/status answers 200" } ?? "no control.url: cannot check the node")
        add(
            "reprocess",
            reprocess.isEmpty
                ? "no reprocess calls needed (\(node.profile.rawValue) \(node.version ?? ""))"
                : "POST reprocess for " + reprocess.joined(separator: ", "))
        add(
            "verify",
            "check that /status/diagnostics shows the node started from the state recorded around the capture, and wait until it matches")
        return steps
    }

    /// Runs the steps; `report` is told of each step as it starts. A journal beside the
    /// datadir records each step before it begins (see ``RunbookJournal``). A failure before
    /// the stop leaves the node untouched; after it, the node is rolled back unless the
    /// request says `noRollback`, in which case the rollback copy is kept for `--rollback`.
    func run(
        job: JobID, report: @escaping @Sendable (Int, RunbookStep) async -> Void, progress: any ProgressReporter
    ) async throws
        -> [RunbookStep]
    {
        guard let datadir = node.datadir else {
            throw LifeboatError(.invalidArgument, "node \(node.name) has no datadir to restore into")
        }
        let record = try await repository.findSnapshot(request.backup, node: node.name, kind: .state)
        let rollback = Self.rollbackDirectory(datadir: datadir, node: node.name, job: job)
        let staging = Self.stagingDirectory(datadir: datadir, node: node.name, job: job)
        let journal = RunbookJournal(
            job: job.rawValue, node: node.name, request: request, repository: repositoryName, snapshot: record.id.hex, step: "check")
        let tracker = RunbookTracker(
            steps: plan(snapshot: record), journal: journal,
            journalPath: RunbookJournal.path(datadir: datadir, node: node.name, job: job.rawValue), report: report)
        let fm = FileManager.default
        do {
            try await tracker.begin("check")
            var notes: [String] = []
            let needed = record.snapshot.summary.bytes
            let copies = try await databaseCopyEstimate(record)
            if let free = Self.freeBytes((datadir as NSString).deletingLastPathComponent),
                let problem = Self.spaceProblem(free: free, needed: needed, copies: copies, datadir: datadir)
            {
                throw LifeboatError(.noSpace, problem)
            }
            if request.identityDump == nil && node.identity != nil {
                notes.append("WARNING: no identity dump given; if the node's keys are lost too it cannot recover without one")
            }
            if request.identityDump != nil && request.identityFile == nil {
                throw LifeboatError(.invalidArgument, "an identity dump was given without an identity file to decrypt it")
            }
            try await checkCantonRequest()
            if let problem = Self.spliceProblem(node: node, snapshot: record, now: Date()) {
                throw LifeboatError(.invalidArgument, problem)
            }
            let missing = Self.missingTools(node)
            guard missing.isEmpty else {
                throw LifeboatError(
                    .notFound, "\(missing.joined(separator: ", ")) not found on PATH: the restore of this node's databases needs them")
            }
            // Decrypts the dump in memory (a wrong file or a missing dump stops here) and asks the original.
            let fencing = try await checkFencing(record)
            var facts: [String] = []
            if let fencing, let note = Self.fencingNote(fencing) {
                if fencing.answering.isEmpty { facts.append(note) } else { notes.append(note) }
            }
            let redisPlans = try await planRedis(record)
            try checkMySQLDumps(record)
            tracker.done(
                notes.isEmpty ? "done" : "warning",
                ((notes.isEmpty ? ["backup \(record.id.short), \(ByteText.format(needed))"] : notes) + facts).joined(separator: "; "))

            try await tracker.begin("stage")
            try? fm.removeItem(atPath: staging)
            var options = RestoreOptions(target: staging)
            options.force = false
            let restored = try await repository.restore(record, options: options, progress: progress)
            guard restored.failures.isEmpty else {
                throw LifeboatError(
                    .corrupted, "the backup does not restore cleanly: " + restored.failures.prefix(3).joined(separator: "; "))
            }
            let verification = try await repository.verifyRestored(record, target: staging)
            guard verification.mismatches.isEmpty else {
                throw LifeboatError(
                    .corrupted, "staged files differ from the backup: " + verification.mismatches.prefix(3).joined(separator: "; "))
            }
            let datadirLayout = record.snapshot.paths.allSatisfy { $0.hasPrefix(datadir + "/") }
            let stagedDatadir = Self.stagedDatadir(record, staging: staging, datadir: datadir)
            // Shelf copies go to their datadir paths; one that lacks a store fails here, before the node is stopped.
            let shelves = try Self.stagedShelves(node: node, staging: staging, datadirLayout: datadirLayout, datadir: datadir)
            let shelfEntries = Set(
                shelves.compactMap { shelf -> String? in
                    guard datadirLayout, shelf.directory.hasPrefix(datadir + "/") else { return nil }
                    let relative = shelf.directory.dropFirst(datadir.count + 1)
                    return relative.contains("/") ? nil : String(relative)
                })
            tracker.done(
                "done",
                "\(restored.files) files, \(ByteText.format(restored.bytes)) verified"
                    + (shelves.isEmpty ? "" : "; shelf copies of \(shelves.flatMap(\.files).joined(separator: ", "))"))

            try await tracker.begin("stop")
            try await controller.stop()
            tracker.done()

            try await tracker.begin("move-aside")
            try fm.createDirectory(atPath: rollback, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var moved: [String] = []
            // Streamed database dumps are restored into their servers, not into the datadir.
            let streamed = Set((record.snapshot.streams ?? []).compactMap { $0.split(separator: "/").first.map(String.init) })
            let incoming = ((try? fm.contentsOfDirectory(atPath: stagedDatadir)) ?? []).filter {
                $0 != ".lifeboat" && !streamed.contains($0) && !shelfEntries.contains($0)
            }
            let replaced = NodeProfiles.replacedEntries(node) + incoming + shelves.flatMap(\.modules)
            for entry in Set(replaced).sorted() where fm.fileExists(atPath: datadir + "/" + entry) {
                tracker.journal.movedAside.append(entry)
                try tracker.save()
                try Self.move(datadir + "/" + entry, to: rollback + "/" + entry)
                moved.append(entry)
                await RunbookHold.point("move-aside", entries: moved.count, journal: tracker.journalPath)
            }
            tracker.done("done", moved.isEmpty ? "nothing to move aside" : "moved \(moved.joined(separator: ", ")) to \(rollback)")

            try await tracker.begin("restore-stores")
            try fm.createDirectory(atPath: datadir, withIntermediateDirectories: true)
            var placed = 0
            for entry in incoming.sorted() {
                tracker.journal.placed.append(entry)
                try tracker.save()
                try Self.move(stagedDatadir + "/" + entry, to: datadir + "/" + entry)
                placed += 1
                await RunbookHold.point("restore-stores", entries: placed, journal: tracker.journalPath)
            }
            tracker.journal.placed += shelves.flatMap(\.modules)
            try tracker.save()
            let fromShelves = try Self.placeShelfCopies(shelves, datadir: datadir)
            // Each database is copied as the stopped node left it, for a rollback, before any is loaded.
            let copied = try await saveDatabases(rollback: rollback)
            // Databases in the declared order (Canton: the validator app before the participant).
            let databases = try await restoreDatabases(record) + restoreRedis(redisPlans, record: record, rollback: rollback)
            let restoredText = (incoming.sorted() + fromShelves.map { "\($0) (shelf copy)" } + databases).joined(separator: ", ")
            tracker.done(
                "done", "restored \(restoredText)" + (copied.isEmpty ? "" : "; rollback copies of \(copied.joined(separator: ", "))"))

            try await tracker.begin("restore-side-files")
            if node.profile.isNuts {
                let issuers = "vcr/trusted_issuers.yaml"
                if fm.fileExists(atPath: datadir + "/" + issuers) {
                    tracker.done("done", "\(issuers) restored from the backup")
                } else if fm.fileExists(atPath: rollback + "/" + issuers) {
                    try fm.createDirectory(atPath: datadir + "/vcr", withIntermediateDirectories: true)
                    try fm.copyItem(atPath: rollback + "/" + issuers, toPath: datadir + "/" + issuers)
                    tracker.done("warning", "\(issuers) was not in the backup; copied the node's previous one")
                } else {
                    tracker.done("warning", "\(issuers) is neither in the backup nor on the node; add it as a file store")
                }
            } else {
                tracker.done("skipped", "side files were restored with the stores")
            }

            try await tracker.begin("restore-keys")
            if restoresCantonIdentity, let dump = request.identityDump, let file = request.identityFile {
                let outcome = try await cantonIdentity(
                    dump: dump, identityFile: file, job: job, recordedParticipant: Self.recordedParticipant(stagedDatadir))
                var message = outcome.message
                if let fencing { message += "; " + (try await issueFence(fencing, job: job, datadir: datadir)) }
                tracker.done(outcome.status, message)
            } else if let dump = request.identityDump, let file = request.identityFile {
                guard let identityRestore else { throw LifeboatError(.unsupported, "identity restore is not available in this build") }
                var message = try await identityRestore(node, repository, dump, file)
                if let fencing { message += "; " + (try await issueFence(fencing, job: job, datadir: datadir)) }
                tracker.done("done", message)
            } else {
                tracker.done(node.identity == nil ? "skipped" : "warning", "no identity dump given; keys left as they are")
            }

            try await finish(from: "start", tracker: tracker, stagedDatadir: stagedDatadir)
            cleanUp(tracker: tracker, staging: staging, rollback: rollback)
            return tracker.steps
        } catch {
            throw await failed(error, tracker: tracker, job: job, staging: staging, rollback: rollback)
        }
    }

    static func move(_ from: String, to: String) throws {
        guard rename(from, to) == 0 else {
            throw LifeboatError(.io, "cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }

    static func freeBytes(_ path: String) -> Int64? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Int64(s.f_bavail) * Int64(s.f_frsize)
    }
}

/// The latest differences seen while waiting.
final class DifferenceBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [String] = []
    func set(_ v: [String]) { lock.withLock { value = v } }
    func get() -> [String] { lock.withLock { value } }
}
