import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat check`: verifies the repository's structure and, optionally, every byte.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Verify the repository.")

    @OptionGroup var options: RepositoryOptions

    @Flag(name: .long, help: "Read and verify every pack, blob by blob.")
    var readData = false

    func run() async throws {
        try await runReporting {
            let repo = try await options.open()
            let bar = options.progress()
            let report = try await repo.check(readData: readData, progress: bar)
            (bar as? ProgressBar)?.finish()
            if options.json {
                try Output.json(report)
            } else if !options.quiet {
                for w in report.warnings { Output.line("warning: \(w)") }
                Output.line(
                    "checked \(report.snapshots) snapshots, \(report.packs) packs, \(report.blobs) blobs\(readData ? ", read \(report.packsRead) packs" : ""): \(report.errors.isEmpty ? "no errors" : "\(report.errors.count) error(s)")"
                )
            }
            for e in report.errors { Output.warn("error: \(e)") }
            if !report.errors.isEmpty { throw ExitCode(ExitStatus.failure) }
        }
    }
}
