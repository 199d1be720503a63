import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat stats`: logical size, stored size and deduplication ratio.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show repository sizes and the deduplication ratio.")

    @OptionGroup var options: RepositoryOptions

    func run() async throws {
        try await runReporting {
            let repo = try await options.open()
            let s = try await repo.stats()
            if options.json {
                try Output.json(s)
                return
            }
            Output.line("snapshots:         \(s.snapshots)")
            Output.line("logical size:      \(ByteFormat.format(s.logicalBytes))")
            Output.line("unique data:       \(ByteFormat.format(s.uniqueBytes)) in \(s.blobs) blobs")
            Output.line("stored size:       \(ByteFormat.format(s.storedBytes)) in \(s.packs) packs")
            Output.line("dedup ratio:       \(String(format: "%.2f", s.dedupRatio))x")
            Output.line("compression ratio: \(String(format: "%.2f", s.compressionRatio))x")
        }
    }
}
