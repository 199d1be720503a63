import ArgumentParser
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatJobs

/// `lifeboat config check FILE`: validates a daemon configuration file.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with lifeboat.yaml.", subcommands: [Check.self])

    /// `lifeboat config check FILE`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration file (with LIFEBOAT_* overrides) and summarise its nodes and schedules.")

        @Argument(help: "The configuration file, e.g. /etc/lifeboat/lifeboat.yaml.")
        var file: String

        @Flag(name: [.short, .long], help: "Print nothing when the file is valid.")
        var quiet = false

        func run() async throws {
            try await runReporting {
                let config = try LifeboatConfiguration.load(path: file, environment: ProcessInfo.processInfo.environment)
                // Stores that parse but cannot be captured as listed: an error, the file is not usable.
                let formatProblems = StoreFormatCheck.problems(config)
                if !formatProblems.isEmpty {
                    for line in formatProblems { Output.warn("error: \(line)") }
                    throw ExitCode(ExitStatus.usage)
                }
                if !quiet {
                    Output.line("\(file): valid")
                    Output.line(config.summary(now: Date()))
                }
                // Valid but incomplete or wasteful: said even with --quiet, on stderr.
                for line in config.storeListAdvice() { Output.warn("warning: \(line)") }
            }
        }
    }
}
