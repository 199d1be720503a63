import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat prune`: deletes data no snapshot needs.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Delete data no snapshot needs.")

    @OptionGroup var options: RepositoryOptions

    func run() async throws {
        try await runReporting {
            let repo = try await options.open()
            let report = try await repo.prune(progress: options.progress())
            if options.json {
                try Output.json(report)
            } else if !options.quiet {
                Output.line(
                    "pruned: \(report.packsDeleted) packs deleted, \(report.packsRewritten) rewritten, \(report.blobsRemoved) blobs removed, \(ByteFormat.format(report.bytesFreed)) freed"
                )
            }
        }
    }
}
