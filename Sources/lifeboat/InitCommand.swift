import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat init`: creates a repository.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create a new repository.")

    @OptionGroup var options: RepositoryOptions

    func run() async throws {
        try await runReporting {
            let secret = try options.secret(confirm: true)
            let location = try options.location()
            if !location.hasPrefix("s3:"), FileManager.default.fileExists(atPath: location + "/config") {
                throw LifeboatError(.alreadyExists, "a repository already exists at \(location)")
            }
            let repo = try await Repository.initialize(
                storage: try await options.storage(creating: true), secret: secret, logger: options.logger())
            if options.json {
                try Output.json(["id": repo.config.id, "location": location])
            } else if !options.quiet {
                Output.line("created repository \(repo.config.id.prefix(8)) at \(location)")
            }
        }
    }
}
