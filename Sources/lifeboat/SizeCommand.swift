import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatJobs
import LifeboatServer

/// `lifeboat size [NODE]`: storage sizing from the daemon, the naive formula beside what is measured.
struct SizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size",
        abstract: "Show storage sizing: backups × database size beside the measured, deduplicated size (from the daemon).")

    @OptionGroup var server: ServerOptions

    @Argument(help: "Only this node and the repositories it uses.")
    var node: String?

    func run() async throws {
        try await runReporting {
            let path = "/api/v1/size" + (node.map { "?node=\(pathSegment($0))" } ?? "")
            let report = try await server.client().get(path, as: SizeReport.self)
            if server.json { return try Output.json(report) }
            for n in report.nodes {
                Output.line(
                    "\(n.node): database \(ByteText.format(n.databaseBytes)); naive \(n.maxBackups) × that = \(ByteText.format(n.naiveBytes)); "
                        + "measured \(ByteText.format(n.measuredBytes)) for \(n.backups) backup(s) in \(n.repositories.joined(separator: ", "))"
                )
            }
            for r in report.repositories {
                guard r.reachable else {
                    Output.line("repository \(r.name) (\(r.kind)): unreachable: \(r.error ?? "unknown error")")
                    continue
                }
                var parts = [
                    "\(r.snapshots) snapshot(s)", "logical \(ByteText.format(r.logicalBytes))",
                    "stored \(ByteText.format(r.storedBytes)) (\(String(format: "%.1f", r.dedupRatio))× dedup)",
                ]
                if let free = r.freeBytes { parts.append("free \(ByteText.format(free))") }
                if let growth = r.growthBytesPerDay { parts.append("growth \(ByteText.format(Int64(growth)))/day") }
                if let full = r.fullAt { parts.append("full around \(ISO8601.format(full))") }
                parts.append("next run needs ~\(ByteText.format(r.nextRunBytes))")
                Output.line("repository \(r.name) (\(r.kind)): " + parts.joined(separator: "; "))
                if let warning = r.warning { Output.line("  ⚠ \(warning)") }
            }
        }
    }
}
