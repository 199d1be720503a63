import Foundation
import LifeboatCatalog
import LifeboatCore
import Logging

/// Keeps a node restore job's runbook steps in the catalog as they run, so the API and
/// the console show each step's state and message while the job is still going.
///
/// A failure to write the catalog is logged, never thrown: the restore itself matters more
/// than its report.
actor RunbookStepRecorder {
    let catalog: Catalog?
    let job: JobID
    let logger: Logger
    private var steps: [RunbookStep] = []

    init(catalog: Catalog?, job: JobID, logger: Logger) {
        self.catalog = catalog
        self.job = job
        self.logger = logger
    }

    /// How many steps the runbook has.
    var count: Int { steps.count }

    /// Records every step as planned, before the first runs.
    func start(_ planned: [RunbookStep]) async {
        steps = planned
        await write { try await $0.setSteps(self.job, planned.map(Self.jobStep)) }
    }

    /// Records a step's new state.
    func update(_ index: Int, _ step: RunbookStep) async {
        guard index >= 0 else { return }
        if index < steps.count { steps[index] = step } else { steps.append(step) }
        await write { try await $0.updateStep(self.job, at: index, Self.jobStep(step)) }
    }

    /// Records the steps as the runbook returned them (the last step's outcome is only there).
    func finish(_ final: [RunbookStep]) async {
        for (index, step) in final.enumerated() where index >= steps.count || steps[index] != step {
            await update(index, step)
        }
    }

    /// After a failure, records the step that failed (the first, when the runbook stopped
    /// before any began) and marks the steps that never ran as skipped, naming it.
    func notRun(after error: any Error) async {
        guard !steps.isEmpty else { return }
        let index = steps.firstIndex { $0.status == "failed" } ?? steps.firstIndex { $0.status == "running" } ?? 0
        if steps[index].status != "failed" {
            var step = steps[index]
            step.status = "failed"
            step.message = (error as? LifeboatError)?.message ?? "\(error)"
            await update(index, step)
        }
        let failed = steps[index].id
        for (position, step) in steps.enumerated() where step.status == "planned" {
            var skipped = step
            skipped.status = "skipped"
            skipped.message = "not run: step \(failed) failed"
            await update(position, skipped)
        }
    }

    static func jobStep(_ step: RunbookStep) -> JobStep {
        JobStep(id: step.id, description: step.description, status: step.status, message: step.message)
    }

    private func write(_ body: @Sendable (Catalog) async throws -> Void) async {
        guard let catalog else { return }
        do {
            try await body(catalog)
        } catch {
            logger.warning("could not record a runbook step", metadata: ["job": "\(job)", "error": "\(error)"])
        }
    }
}
