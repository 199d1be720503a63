import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatRepository
import Logging

/// The runbook's steps as they run: their states for reports, and the journal kept on disk
/// so that a killed daemon can finish or undo the restore on its next start.
final class RunbookTracker {
    var steps: [RunbookStep]
    var index = 0
    var journal: RunbookJournal
    let journalPath: String
    let report: @Sendable (Int, RunbookStep) async -> Void

    init(steps: [RunbookStep], journal: RunbookJournal, journalPath: String, report: @escaping @Sendable (Int, RunbookStep) async -> Void) {
        self.steps = steps
        self.journal = journal
        self.journalPath = journalPath
        self.report = report
    }

    var current: RunbookStep { steps[index] }

    /// Records in the journal that `id` begins, then reports it.
    func begin(_ id: String) async throws {
        // The step before has its outcome now: report it as the next one starts.
        if !["planned", "running"].contains(steps[index].status) { await report(index, steps[index]) }
        index = steps.firstIndex { $0.id == id } ?? index
        steps[index].status = "running"
        journal.step = id
        try save()
        await report(index, steps[index])
        await RunbookHold.point(id, journal: journalPath)
    }

    func done(_ status: String = "done", _ message: String? = nil) {
        steps[index].status = status
        steps[index].message = message
    }

    func save() throws { try journal.write(to: journalPath) }

    func removeJournal() { try? FileManager.default.removeItem(atPath: journalPath) }

    /// Whether the step begun last is `id` or a later one.
    func reached(_ id: String) -> Bool {
        guard let target = steps.firstIndex(where: { $0.id == id }) else { return false }
        return index >= target
    }
}

extension NodeRestoreRunbook {
    /// The staged copy of the datadir inside the staging directory: the snapshot holds the
    /// datadir's layout, or absolute paths when stores live elsewhere.
    static func stagedDatadir(_ record: SnapshotRecord, staging: String, datadir: String) -> String {
        record.snapshot.paths.allSatisfy { $0.hasPrefix(datadir + "/") } ? staging : staging + datadir
    }

    /// The steps from `first` on that bring the node up once everything is in place: start,
    /// wait until healthy, reprocess, verify. Each can run again after a kill: a node that
    /// already answers is not started twice.
    func finish(from first: String, tracker: RunbookTracker, stagedDatadir: String) async throws {
        let order = ["start", "wait-healthy", "reprocess", "verify"]
        for id in order.drop(while: { $0 != first }) {
            try await tracker.begin(id)
            switch id {
            case "start":
                if let client, await client.isUp() {
                    tracker.done("done", "the node already answers at \(client.base)")
                } else if controller.startDescription == nil {
                    tracker.done("warning", "no start command configured: start the node yourself")
                } else {
                    try await controller.start()
                    tracker.done()
                }
            case "wait-healthy":
                if let client {
                    try await controller.waitFor("\(client.base)/status to answer 200") { await client.isUp() }
                    tracker.done()
                } else {
                    tracker.done("skipped", "no control.url")
                }
            case "reprocess":
                let types = NodeProfiles.reprocessTypes(node)
                if let client, !types.isEmpty {
                    for type in types { try await client.reprocess(type) }
                    tracker.done("done", "sent \(types.joined(separator: ", "))")
                } else {
                    tracker.done("skipped", types.isEmpty ? "none needed" : "no control.url to send them to")
                }
            default:
                let verified = try await verifyDiagnostics(Self.recordedDiagnostics(stagedDatadir), client: client)
                tracker.done(verified.status, verified.message)
            }
        }
    }

    /// After success: the journal says so first, then the staging and rollback copies go, the journal last.
    func cleanUp(tracker: RunbookTracker, staging: String, rollback: String) {
        tracker.journal.step = "cleanup"
        try? tracker.save()
        try? FileManager.default.removeItem(atPath: staging)
        try? FileManager.default.removeItem(atPath: rollback)
        tracker.removeJournal()
    }

    /// What a failed step leaves: before the stop nothing of the node changed; after it the
    /// runbook rolls back unless the request says `noRollback`. Returns the job's error.
    func failed(_ error: any Error, tracker: RunbookTracker, job: JobID, staging: String, rollback: String) async -> LifeboatError {
        let fm = FileManager.default
        let message = (error as? LifeboatError)?.message ?? "\(error)"
        let code = (error as? LifeboatError)?.code ?? .io
        tracker.done("failed", message)
        await tracker.report(tracker.index, tracker.current)
        let step = tracker.current.id
        try? fm.removeItem(atPath: staging)
        guard tracker.reached("stop") else {
            tracker.removeJournal()
            return LifeboatError(code, "step \(step) failed: \(message)")
        }
        if request.noRollback {
            tracker.journal.keptForOperator = true
            try? tracker.save()
            let kept =
                fm.fileExists(atPath: rollback)
                ? "; the previous data is kept in \(rollback): lifeboat node restore --rollback \(job)" : ""
            return LifeboatError(code, "step \(step) failed: \(message); --no-rollback: the node is left as the failure found it\(kept)")
        }
        tracker.journal.step = "rollback"
        try? tracker.save()
        do {
            let outcome = try await Self.rollBack(node: node, rollback: rollback, placed: tracker.journal.placed)
            tracker.removeJournal()
            return LifeboatError(code, "step \(step) failed: \(message); rolled back: \(outcome.text)")
        } catch let rollbackError {
            tracker.journal.keptForOperator = true
            try? tracker.save()
            let text = (rollbackError as? LifeboatError)?.message ?? "\(rollbackError)"
            return LifeboatError(
                code,
                "step \(step) failed: \(message); the rollback failed too: \(text); the previous data is kept in \(rollback): lifeboat node restore --rollback \(job)"
            )
        }
    }

    /// What a rollback did, and why the node did not start again if it did not.
    struct RollbackOutcome {
        /// What was put back (or that nothing had been moved).
        var restored: String
        /// How the node was started again, when it was.
        var started: String?
        /// Why the node did not start again, if it did not.
        var startFailure: String?

        var text: String {
            ([restored] + [started, startFailure.map { "the node did not start again: \($0)" }].compactMap { $0 }).joined(separator: "; ")
        }
    }

    /// Stops the node, puts back what the rollback directory holds (Redis files into their
    /// servers' directories), removes the entries the restore put in place that were not
    /// there before, and starts the node again. With no rollback directory nothing was moved:
    /// the node is only started again if it is down.
    static func rollBack(node: NodeConfiguration, rollback: String, placed: [String]) async throws -> RollbackOutcome {
        guard let datadir = node.datadir else { throw LifeboatError(.invalidArgument, "node \(node.name) has no datadir") }
        let fm = FileManager.default
        let controller = NodeController(node: node)
        let client = node.control?.url.map(NodeClient.init(base:))
        var restored: String
        var start = true
        if fm.fileExists(atPath: rollback) {
            try await controller.stop()
            let redis = try await rollbackRedis(node: node, rollback: rollback)
            let databases = try await rollbackDatabases(node: node, rollback: rollback)
            let entries = try fm.contentsOfDirectory(atPath: rollback).sorted().filter {
                $0 != redisRollbackEntry && $0 != databaseRollbackEntry
            }
            for entry in entries {
                try? fm.removeItem(atPath: datadir + "/" + entry)
                try move(rollback + "/" + entry, to: datadir + "/" + entry)
            }
            // Entries the restore put in place that were not there before go too; entries it
            // never moved aside (a kill halfway through moving them) are the node's own and stay.
            for entry in Set(placed).sorted() where !entries.contains(entry) {
                try? fm.removeItem(atPath: datadir + "/" + entry)
            }
            try fm.removeItem(atPath: rollback)
            let back = entries + redis + databases
            restored =
                back.isEmpty ? "removed what the restore had put in place" : "put back \(back.joined(separator: ", ")) from \(rollback)"
        } else {
            restored = "nothing had been moved aside"
            // Only a node known to be down is started; without a URL to ask, it is left alone.
            if let client { start = !(await client.isUp()) } else { start = false }
        }
        var started: String?
        var failure: String?
        if start {
            if controller.startDescription == nil {
                started = "no start command configured: start the node yourself"
            } else {
                do {
                    try await controller.start()
                    // Rolled back means serving again: wait for the node as the restore would have.
                    if let client {
                        try await controller.waitFor("\(client.base)/status to answer 200") { await client.isUp() }
                        started = "node started and answering"
                    } else {
                        started = "node started"
                    }
                } catch {
                    failure = (error as? LifeboatError)?.message ?? "\(error)"
                }
            }
        }
        return RollbackOutcome(restored: restored, started: started, startFailure: failure)
    }

    /// Puts the data a failed (or unwanted) restore moved aside back in place.
    static func rollback(node: NodeConfiguration, job: JobID, logger: Logger) async throws -> String {
        guard let datadir = node.datadir else { throw LifeboatError(.invalidArgument, "node \(node.name) has no datadir") }
        let rollback = rollbackDirectory(datadir: datadir, node: node.name, job: job)
        let journalPath = RunbookJournal.path(datadir: datadir, node: node.name, job: job.rawValue)
        guard FileManager.default.fileExists(atPath: rollback) else {
            try? FileManager.default.removeItem(atPath: journalPath)
            throw LifeboatError(.notFound, "no rollback copy for job \(job) (\(rollback)); it is removed once a restore succeeds")
        }
        // Without a journal (a rollback copy from before journals existed) the restore had
        // moved every replaced entry aside and put the backup's in place.
        let placed = (try? RunbookJournal.read(journalPath))?.placed ?? NodeProfiles.replacedEntries(node)
        let outcome = try await rollBack(node: node, rollback: rollback, placed: placed)
        try? FileManager.default.removeItem(atPath: journalPath)
        if let failure = outcome.startFailure {
            throw LifeboatError(.io, "\(outcome.restored); but \(failure)")
        }
        return outcome.text
    }

    /// Finishes or undoes a restore a killed daemon left, chosen by the step its journal
    /// reached: before the stop only the staging copy is removed; from the stop until the
    /// keys are in place the node is rolled back (unless the job ran with `noRollback`);
    /// from the start on the remaining steps run again and the restore completes.
    func recover(
        journal: RunbookJournal, journalPath: String, report: @escaping @Sendable (Int, RunbookStep) async -> Void
    ) async throws
        -> String
    {
        guard let datadir = node.datadir else { throw LifeboatError(.invalidArgument, "node \(node.name) has no datadir") }
        let original = JobID(journal.job)
        let rollback = Self.rollbackDirectory(datadir: datadir, node: node.name, job: original)
        let staging = Self.stagingDirectory(datadir: datadir, node: node.name, job: original)
        let fm = FileManager.default
        let step = journal.step
        let interrupted = "restore job \(original) was interrupted in step \(step)"
        if RunbookJournal.untouchedSteps.contains(step) {
            try? fm.removeItem(atPath: staging)
            try? fm.removeItem(atPath: journalPath)
            return "\(interrupted), before the node was touched: removed its staging copy; run the restore again"
        }
        if step == "cleanup" {
            try? fm.removeItem(atPath: staging)
            try? fm.removeItem(atPath: rollback)
            try? fm.removeItem(atPath: journalPath)
            return "restore job \(original) had completed; finished removing its staging and rollback copies"
        }
        let record = try await repository.findSnapshot(journal.snapshot, node: node.name, kind: .state)
        var steps = plan(snapshot: record)
        let tracker = RunbookTracker(steps: steps, journal: journal, journalPath: journalPath, report: report)
        if RunbookJournal.resumableSteps.contains(step) {
            let first = steps.firstIndex { $0.id == step } ?? 0
            for i in 0..<first { steps[i].status = "done" }
            tracker.steps = steps
            do {
                try await finish(
                    from: step, tracker: tracker, stagedDatadir: Self.stagedDatadir(record, staging: staging, datadir: datadir))
                cleanUp(tracker: tracker, staging: staging, rollback: rollback)
                return "\(interrupted), with every store and key in place: resumed from \(step) and completed"
            } catch {
                throw await failed(error, tracker: tracker, job: original, staging: staging, rollback: rollback)
            }
        }
        if journal.request.noRollback {
            tracker.journal.keptForOperator = true
            try tracker.save()
            throw LifeboatError(
                .io,
                "\(interrupted) and runs with --no-rollback: the node is left as it was"
                    + (fm.fileExists(atPath: rollback)
                        ? "; its previous data is kept in \(rollback): lifeboat node restore --rollback \(original)" : ""))
        }
        tracker.journal.step = "rollback"
        try tracker.save()
        let outcome = try await Self.rollBack(node: node, rollback: rollback, placed: journal.placed)
        try? fm.removeItem(atPath: staging)
        tracker.removeJournal()
        if let failure = outcome.startFailure {
            throw LifeboatError(.io, "\(interrupted): rolled back, but the node did not start again: \(failure)")
        }
        return "\(interrupted): rolled back: \(outcome.text); run the restore again"
    }
}
