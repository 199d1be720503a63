import Foundation
import LifeboatCore
import Yams

/// Why a schedule given outside the configuration file (an API body) was refused.
public struct PlanProblem: Error, Sendable, CustomStringConvertible {
    /// The field at fault, e.g. `cron` or `keep.daily`; empty for the body as a whole.
    public var field: String
    /// What is wrong with it.
    public var message: String

    /// `field: message`.
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

extension BackupPlan {
    /// Reads a plan from a JSON (or YAML) object with the keys of a `backups:` section, with
    /// the same rules and messages as the configuration file.
    /// - Parameters:
    ///   - kind: `state` or `identity`, which picks an environment preset's defaults.
    ///   - repositories: the repository names a plan may refer to.
    /// - Throws: ``PlanProblem`` naming the first field at fault.
    public static func parse(_ text: String, kind: SnapshotKind, repositories: [String]) throws -> BackupPlan {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw PlanProblem(field: "", message: "the body is not valid JSON")
        }
        guard let root else { throw PlanProblem(field: "", message: "the body is empty; send a JSON object") }
        var found: [ConfigProblem] = []
        let document = ConfigNode.make(from: root, path: "", origin: ConfigNode.position(of: root), problems: &found)
        let validator = ConfigValidator(baseDirectory: "/")
        validator.repositoryNames = repositories
        validator.report(found)
        guard case .mapping = document.content else {
            throw PlanProblem(field: "", message: "expected a JSON object with cron or interval, max and repositories")
        }
        let plan = validator.plan(document, kind: kind)
        if let problem = validator.firstProblem { throw PlanProblem(field: problem.path, message: problem.message) }
        guard let plan else { throw PlanProblem(field: "", message: "the schedule was refused without a reason") }
        return plan
    }
}
