import ArgumentParser
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatJobs
import LifeboatServer
import Logging

/// `lifeboat serve`: the daemon — schedules, jobs, the REST API and metrics.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: scheduled backups with retention, the REST API, metrics.",
        discussion: "Stops on SIGTERM or SIGINT: no new jobs, running ones get jobs.shutdown_grace to finish.")

    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "FILE"))
    var config: String = "lifeboat.yaml"

    @Flag(name: .long, help: "Initialise configured repositories that do not exist yet.")
    var initRepositories = false

    @Flag(name: [.short, .long], help: "Log each job (to stderr).")
    var verbose = false

    func run() async throws {
        try await runReporting {
            let environment = ProcessInfo.processInfo.environment
            let configuration = try LifeboatConfiguration.load(path: config, environment: environment)
            let lock = try InstanceLock(catalog: configuration.catalog)
            var log = Logger(label: "lifeboat") { StreamLogHandler.standardError(label: $0) }
            log.logLevel = verbose ? .info : .notice
            let logger = log
            let daemon = try await Daemon(configuration: configuration, environment: environment, logger: logger)
            try await daemon.openRepositories(create: initRepositories)
            try await DaemonServer.run(daemon) { port in
                logger.notice(
                    "listening", metadata: ["url": "http://\(configuration.listen.host):\(port)", "nodes": "\(configuration.nodes.count)"])
            }
            withExtendedLifetime(lock) {}
        }
    }
}
