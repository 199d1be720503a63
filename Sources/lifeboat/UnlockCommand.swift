import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat unlock`: removes stale locks left by killed processes.
struct UnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Remove stale locks.")

    @OptionGroup var options: RepositoryOptions

    @Flag(name: .long, help: "Remove every lock, also those of running processes.")
    var removeAll = false

    func run() async throws {
        try await runReporting {
            let repo = try await options.open()
            let removed = try await repo.removeLocks(all: removeAll)
            if options.json {
                try Output.json(["removed": removed])
            } else if !options.quiet {
                Output.line("removed \(removed) lock\(removed == 1 ? "" : "s")")
            }
        }
    }
}
