import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatJobs
import LifeboatServer

/// `lifeboat doctor [NODE]`: the troubleshooting checks, each finding with its remedy; exits 1 on an error finding.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check nodes and repositories for what would spoil a recovery, with a remedy for each finding (from the daemon).",
        discussion: "Exits 1 when a finding has severity error, 0 otherwise.")

    @OptionGroup var server: ServerOptions

    @Argument(help: "Only this node and the repositories it uses.")
    var node: String?

    func run() async throws {
        try await runReporting {
            let path = "/api/v1/doctor" + (node.map { "?node=\(pathSegment($0))" } ?? "")
            let report = try await server.client().get(path, as: DoctorReport.self)
            if server.json {
                try Output.json(report)
            } else if report.findings.isEmpty {
                Output.line("no problems found (\(report.nodes.joined(separator: ", ")))")
            } else {
                for f in report.findings {
                    Output.line("\(f.severity.rawValue.uppercased()) \(f.node ?? "-") [\(f.check)] \(f.message)")
                    Output.line("  remedy: \(f.remedy)")
                }
            }
            if report.findings.contains(where: { $0.severity == .error }) { throw ExitCode(ExitStatus.failure) }
        }
    }
}
