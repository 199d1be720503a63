import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat repair`: puts damaged repository metadata right from what is intact.
struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair", abstract: "Rebuild damaged repository metadata from intact objects.",
        subcommands: [RepairIndexCommand.self])
}

/// `lifeboat repair index`: indexes again, from the packs' own headers, every pack no
/// readable index file lists, and deletes the damaged index files.
struct RepairIndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index every pack no readable index file lists from its own header, then delete the damaged index files.")

    @OptionGroup var options: RepositoryOptions

    func run() async throws {
        try await runReporting {
            let repo = try await options.open()
            let report = try await repo.repairIndex(progress: options.progress())
            if options.json {
                try Output.json(report)
            } else if !options.quiet {
                for name in report.damagedIndexFiles { Output.line("removed damaged \(name)") }
                Output.line(
                    "repaired index: \(report.packsIndexed) pack(s) with \(report.blobsIndexed) blob(s) indexed from their headers, \(report.indexFilesWritten) index file(s) written, \(report.damagedIndexFiles.count) damaged index file(s) removed"
                )
            }
            for pack in report.unreadablePacks { Output.warn("error: \(pack)") }
            if !report.unreadablePacks.isEmpty {
                Output.warn(
                    "error: \(report.unreadablePacks.count) pack(s) could not be indexed; run `lifeboat check` to see which snapshots need them"
                )
                throw ExitCode(ExitStatus.failure)
            }
        }
    }
}
