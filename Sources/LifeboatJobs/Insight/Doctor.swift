import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatRepository

/// One thing the doctor found, with what to do about it.
public struct DoctorFinding: Codable, Sendable, Hashable {
    /// How bad it is.
    public enum Severity: String, Codable, Sendable, Hashable, Comparable {
        /// Recovery is at risk now.
        case error
        /// Recovery may be at risk soon.
        case warning
        /// Worth knowing.
        case info

        var rank: Int {
            switch self {
            case .error: 0
            case .warning: 1
            case .info: 2
            }
        }

        /// Errors first.
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// How bad it is.
    public var severity: Severity
    /// The node it concerns, or nil for a repository of several nodes.
    public var node: String?
    /// The check that found it, e.g. `identity-missing`.
    public var check: String
    /// What is wrong.
    public var message: String
    /// What to do: the troubleshooting table's resolution, made specific.
    public var remedy: String

    /// Creates a finding.
    public init(_ severity: Severity, node: String?, check: String, message: String, remedy: String) {
        self.severity = severity
        self.node = node
        self.check = check
        self.message = message
        self.remedy = remedy
    }
}

/// The answer of `GET /api/v1/doctor`.
public struct DoctorReport: Codable, Sendable, Hashable {
    /// When the checks ran.
    public var checkedAt: Date
    /// The nodes checked.
    public var nodes: [String]
    /// What was found, errors first; empty when all is well.
    public var findings: [DoctorFinding]
}

/// Runs the troubleshooting checks of the operators' guide automatically.
public enum Doctor {
    /// Checks every node (or one) and the repositories they use.
    public static func run(_ daemon: Daemon, node: String? = nil, probes: DoctorProbes = DoctorProbes()) async throws -> DoctorReport {
        let now = daemon.clock.now()
        if let node, daemon.configuration.node(named: node) == nil {
            throw LifeboatError(.notFound, "no node named \"\(node)\"; configured: \(Sizing.nodeNames(daemon))")
        }
        let nodes = daemon.configuration.nodes.filter { node == nil || $0.name == node }
        var findings: [DoctorFinding] = []
        for n in nodes {
            findings += try await schedules(daemon, node: n, now: now)
            findings += try await participantIdentifiers(daemon, node: n)
            findings += storeList(n)
            findings += keyStore(n)
            findings += await probes.health(n)
        }
        findings += try await identities(daemon, nodes: nodes)
        let sizes = try await Sizing.report(daemon, node: node)
        for repo in sizes.repositories {
            let users = nodes.filter { Sizing.repositoryNames($0).contains(repo.name) }.map(\.name)
            let owner = users.count == 1 ? users.first : nil
            if !repo.reachable {
                findings.append(
                    DoctorFinding(
                        .error, node: owner, check: "repository-unreachable",
                        message: "repository \(repo.name) cannot be opened: \(repo.error ?? "unknown error")",
                        remedy:
                            "Backup creation fails: check the repository's URL, credentials and network, then run `lifeboat check` against it."
                    ))
                continue
            }
            findings += await metadataCheck(daemon, repository: repo.name, node: owner)
            if let warning = repo.warning {
                findings.append(
                    DoctorFinding(
                        .error, node: owner, check: "space",
                        message: "repository \(repo.name): \(warning)",
                        remedy:
                            "Backup creation fails (insufficient storage): free or add space on the volume of \(repo.name), or lower the Max Backup Number and prune."
                    ))
            } else if let free = repo.freeBytes, let capacity = repo.capacityBytes,
                free < SpacePreflight.warningThreshold(capacity: capacity, nextRun: repo.nextRunBytes)
            {
                findings.append(
                    DoctorFinding(
                        .warning, node: owner, check: "space-low",
                        message:
                            "repository \(repo.name) has \(ByteText.format(free)) free of \(ByteText.format(capacity)), below the warning threshold of \(ByteText.format(SpacePreflight.warningThreshold(capacity: capacity, nextRun: repo.nextRunBytes))) (a tenth of the file system, or twice the next run's expected \(ByteText.format(repo.nextRunBytes)))",
                        remedy:
                            "Backups stop once a run no longer fits: add space to the volume of \(repo.name), or lower the Max Backup Number and prune."
                    ))
            } else if let full = repo.fullAt, full.timeIntervalSince(now) < 14 * 86_400 {
                findings.append(
                    DoctorFinding(
                        .warning, node: owner, check: "space-forecast",
                        message: "repository \(repo.name) fills up around \(ISO8601.format(full)) at its current growth",
                        remedy: "Allocate headroom beyond the calculated minimum before then (more storage, or fewer backups kept)."))
            }
        }
        for rc in daemon.configuration.repositories where rc.kind == .s3 && sizes.repositories.contains(where: { $0.name == rc.name }) {
            if let finding = await probes.clockSkew(rc, now: Date()) { findings.append(finding) }
        }
        findings.sort { ($0.severity, $0.node ?? "", $0.check) < ($1.severity, $1.node ?? "", $1.check) }
        return DoctorReport(checkedAt: now, nodes: nodes.map(\.name), findings: findings)
    }

    /// A Nuts node's store list against its release's (``NutsStoreList``): a store the
    /// restore needs and nothing captures is an error, one the node rebuilds a warning; a
    /// shelf must hold a copy of each needed store.
    static func storeList(_ node: NodeConfiguration) -> [DoctorFinding] {
        guard node.profile.isNuts, !node.stores.isEmpty else { return [] }
        let coverage = NutsStoreList.coverage(of: node)
        let release = NutsStoreList.releaseText(node)
        let nuts6 = node.profile == .nuts6
        var out: [DoctorFinding] = []
        for file in coverage.lacking {
            out.append(
                DoctorFinding(
                    .error, node: node.name, check: "store-missing",
                    message: "no store of \(node.name) captures \(file), which \(release) needs restored",
                    remedy: nuts6
                        ? "Add {type: sqlite, path: \(NutsStoreList.sqliteFile)} to the node's stores, or a postgres or mysql store for the server storage.sql.connection names; a restore without it leaves the node without its DIDs and credentials."
                        : "Add \(file) to the node's stores (a BBolt file through the node's shelf), or a restore leaves the node without it."
                ))
        }
        for file in coverage.extra {
            out.append(
                DoctorFinding(
                    .warning, node: node.name, check: "store-extra", message: "store \(file) of \(node.name) need not be backed up",
                    remedy: "Remove it from the node's stores: the node rebuilds it, and restoring an old copy is wrong."))
        }
        for case .shelf(let directory) in node.stores {
            let shelf = node.resolvedPath(directory)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: shelf, isDirectory: &isDirectory), isDirectory.boolValue else {
                out.append(
                    DoctorFinding(
                        .error, node: node.name, check: "shelf-missing",
                        message: "the shelf directory \(shelf) of \(node.name) does not exist",
                        remedy:
                            "Set storage.bbolt.backup.directory to \(shelf) and storage.bbolt.backup.interval (e.g. 1h) in the node's config, restart it, and wait one interval."
                    ))
                continue
            }
            for file in nuts6 ? NutsStoreList.didNutsFiles : NutsStoreList.restoreFiles(version: node.version)
            where !FileManager.default.fileExists(atPath: shelf + "/" + file) {
                out.append(
                    DoctorFinding(
                        .error, node: node.name, check: "shelf-incomplete",
                        message: "the shelf \(shelf) of \(node.name) holds no copy of \(file)",
                        remedy:
                            "The node writes its first copies one storage.bbolt.backup.interval after start; if that has passed, check the node's log for shelf errors."
                    ))
            }
        }
        return out
    }

    /// Overdue or failing state backups and identity dumps, and backups without a matching dump.
    package static func schedules(_ daemon: Daemon, node: NodeConfiguration, now: Date) async throws -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        let name = node.name
        var lastSuccess: [JobKind: Date] = [:]
        var periods: [JobKind: TimeInterval] = [:]
        for kind in Scheduler.scheduledKinds where kind != .identity || dumpsIdentity(node) {
            let schedule = try await daemon.scheduler.schedule(node: name, kind: kind)
            let last = try await daemon.catalog.lastJob(node: name, kind: kind)
            let success = try await daemon.catalog.lastJob(node: name, kind: kind, state: .completed)
            lastSuccess[kind] = success?.endedAt
            let what = kind == .identity ? "identity dump" : "state backup"
            if let last, last.state == .failed || last.state == .partiallyFailed {
                out.append(
                    DoctorFinding(
                        .error, node: name, check: "\(kind)-failing",
                        message: "the last \(what) (job \(last.id)) ended \(last.state): \(last.errorMessage ?? "no reason recorded")",
                        remedy: kind == .identity
                            ? "Check the node's identity source (URL, token) and run `lifeboat run \(name) --identity`."
                            : "Backup creation fails: read the job's error (`lifeboat job \(last.id)`), fix the cause (storage, credentials, store paths) and run `lifeboat run \(name)`."
                    ))
            }
            guard let plan = schedule.plan else {
                if kind == .identity && node.profile != .generic {
                    out.append(
                        DoctorFinding(
                            .error, node: name, check: "identity-missing",
                            message: "node \(name) has no identity dump schedule; a state backup alone cannot restore its keys",
                            remedy:
                                "Restore completes but wallet inaccessible (missing IDDump): schedule identity dumps (daily in production) and run one now with `lifeboat run \(name) --identity`."
                        ))
                }
                continue
            }
            guard let period = plan.schedule.expectedPeriod(now: now) else { continue }
            periods[kind] = period
            if schedule.paused { continue }
            if success == nil && kind == .identity {
                out.append(
                    DoctorFinding(
                        .error, node: name, check: "identity-missing",
                        message: "node \(name) has no identity dump yet",
                        remedy:
                            "Restore completes but wallet inaccessible (missing IDDump): run `lifeboat run \(name) --identity` now; the schedule keeps it fresh."
                    ))
                continue
            }
            let since = success?.endedAt ?? daemon.startedAt
            if now.timeIntervalSince(since) > 2 * period + 60 {
                let check = kind == .identity ? "identity-stale" : "backup-overdue"
                out.append(
                    DoctorFinding(
                        .error, node: name, check: check,
                        message:
                            "no successful \(what) since \(ISO8601.format(since)); the schedule (\(plan.schedule.humanDescription)) expects one every \(Self.duration(period))",
                        remedy:
                            "Check that `lifeboat serve` is running and the schedule is not paused, look at the last job's error, then run `lifeboat run \(name)\(kind == .identity ? " --identity" : "")`."
                    ))
            }
        }
        out += pairing(node: name, lastSuccess: lastSuccess, periods: periods)
        return out
    }

    /// A state backup needs an identity dump from about the same time, and the reverse.
    static func pairing(node: String, lastSuccess: [JobKind: Date], periods: [JobKind: TimeInterval]) -> [DoctorFinding] {
        guard let backup = lastSuccess[.backup], let dump = lastSuccess[.identity] else { return [] }
        if let period = periods[.identity], backup.timeIntervalSince(dump) > period + 60 {
            return [
                DoctorFinding(
                    .warning, node: node, check: "pairing",
                    message:
                        "the latest state backup (\(ISO8601.format(backup))) has no identity dump within its period; the newest dump is from \(ISO8601.format(dump))",
                    remedy: "Full recovery needs both: run `lifeboat run \(node) --identity` so the backup has keys to go with it.")
            ]
        }
        if let period = periods[.backup], dump.timeIntervalSince(backup) > period + 60 {
            return [
                DoctorFinding(
                    .warning, node: node, check: "pairing",
                    message:
                        "the latest identity dump (\(ISO8601.format(dump))) has no state backup within its period; the newest backup is from \(ISO8601.format(backup))",
                    remedy: "IDDumps alone cannot restore ledger state: run `lifeboat run \(node)` so the dump has state to go with it.")
            ]
        }
        return []
    }

    /// A participant identifier shared by several nodes.
    static func participantIdentifiers(_ daemon: Daemon, node: NodeConfiguration) async throws -> [DoctorFinding] {
        let mine = try await daemon.catalog.usedParticipantIdentifiers(node: node.name)
        guard !mine.isEmpty else { return [] }
        var out: [DoctorFinding] = []
        for other in daemon.configuration.nodes where other.name != node.name {
            let theirs = Set(try await daemon.catalog.usedParticipantIdentifiers(node: other.name).map(\.identifier))
            for use in mine where theirs.contains(use.identifier) {
                out.append(
                    DoctorFinding(
                        .warning, node: node.name, check: "participant-identifier-reused",
                        message: "participant identifier \(use.identifier) is used by both \(node.name) and \(other.name)",
                        remedy:
                            "Validator cannot rejoin network (wrong participant identifier): if both are the same validator, restore with a new participant identifier (newParticipantIdentifier) and migrateValidatorParty."
                    ))
            }
        }
        return out
    }

    /// A metadata check (`check` without reading data) of a repository.
    static func metadataCheck(_ daemon: Daemon, repository: String, node: String?) async -> [DoctorFinding] {
        do {
            let repo = try await daemon.repositories.repository(repository)
            let report = try await repo.check(readData: false)
            guard !report.errors.isEmpty else { return [] }
            return [
                DoctorFinding(
                    .error, node: node, check: "repository-check",
                    message: "repository \(repository) fails its check: \(report.errors.prefix(3).joined(separator: "; "))",
                    remedy:
                        "Run `lifeboat check --read-data` on \(repository), keep the damaged snapshots' nodes backed up to another repository, then forget the damaged snapshots and prune."
                )
            ]
        } catch {
            return [
                DoctorFinding(
                    .error, node: node, check: "repository-check",
                    message: "repository \(repository) could not be checked: \((error as? LifeboatError)?.message ?? "\(error)")",
                    remedy: "Run `lifeboat check` on \(repository) by hand to see why.")
            ]
        }
    }

    /// `90 s`, `6 h`, `1 d`.
    static func duration(_ seconds: TimeInterval) -> String {
        if seconds >= 86_400 && seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400)) d" }
        if seconds >= 3600 { return String(format: "%.4g h", seconds / 3600) }
        if seconds >= 60 { return String(format: "%.4g min", seconds / 60) }
        return "\(Int(seconds)) s"
    }
}
