import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat forget`: removes snapshots by retention rules, optionally pruning.
struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Remove snapshots by retention rules (per node, kind and paths).")

    @OptionGroup var options: RepositoryOptions

    @Option(name: .long, help: "Keep the N newest snapshots.")
    var keepLast: Int?
    @Option(name: .long, help: "Keep the newest snapshot of each of the last N hours.")
    var keepHourly: Int?
    @Option(name: .long, help: "Keep the newest snapshot of each of the last N days.")
    var keepDaily: Int?
    @Option(name: .long, help: "Keep the newest snapshot of each of the last N weeks.")
    var keepWeekly: Int?
    @Option(name: .long, help: "Keep the newest snapshot of each of the last N months.")
    var keepMonthly: Int?

    @Option(name: .long, help: "Only snapshots of this node.")
    var node: String?

    @Flag(name: .long, help: "Show what would be removed without removing it.")
    var dryRun = false

    @Flag(name: .long, help: "Prune afterwards, deleting the data only removed snapshots needed.")
    var prune = false

    func validate() throws {
        for (name, value) in [
            ("keep-last", keepLast), ("keep-hourly", keepHourly), ("keep-daily", keepDaily), ("keep-weekly", keepWeekly),
            ("keep-monthly", keepMonthly),
        ] {
            if let value, value < 1 { throw ValidationError("--\(name) must be 1 or more, got \(value)") }
        }
    }

    func run() async throws {
        try await runReporting {
            let repo = try await options.open()
            let policy = RetentionPolicy(
                keepLast: keepLast, keepHourly: keepHourly, keepDaily: keepDaily, keepWeekly: keepWeekly, keepMonthly: keepMonthly)
            let result = try await repo.forget(policy: policy, node: node, dryRun: dryRun, prune: prune, progress: options.progress())
            if options.json {
                try Output.json(result)
                return
            }
            guard !options.quiet else { return }
            for g in result.groups {
                Output.line(
                    "node \(g.node ?? "-"), \(g.kind.rawValue), paths \(g.paths.joined(separator: " ")): keep \(g.keep.count), \(dryRun ? "would remove" : "removed") \(g.remove.count)"
                )
                for k in g.keep {
                    Output.line("  keep   \(k.id.prefix(8))  \(ISO8601.format(k.time, in: .gmt))  \(k.reasons.joined(separator: ", "))")
                }
                for r in g.remove { Output.line("  remove \(r.prefix(8))") }
            }
            if let p = result.prune {
                Output.line(
                    "pruned: \(p.packsDeleted) packs deleted, \(p.packsRewritten) rewritten, \(ByteFormat.format(p.bytesFreed)) freed")
            }
        }
    }
}
