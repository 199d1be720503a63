import ArgumentParser
import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs
import LifeboatServer
import Logging

/// `lifeboat catalog rebuild`: recreates the backup history from the repositories.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Work with the daemon's job catalog.", subcommands: [Rebuild.self])

    /// `lifeboat catalog rebuild --config FILE`.
    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recreate the backup history from the repositories, which remain the truth (run while the daemon is stopped).")

        @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "FILE"))
        var config: String = "lifeboat.yaml"

        @Flag(name: .long, help: "Print machine-readable JSON on stdout.")
        var json = false

        struct Result: Encodable {
            var snapshots: Int
            var jobsCreated: Int
            var repositoriesAdded: Int
            var snapshotsWithoutNode: Int
        }

        func run() async throws {
            try await runReporting {
                let environment = ProcessInfo.processInfo.environment
                let configuration = try LifeboatConfiguration.load(path: config, environment: environment)
                let lock = try InstanceLock(catalog: configuration.catalog)
                var logger = Logger(label: "lifeboat") { StreamLogHandler.standardError(label: $0) }
                logger.logLevel = .warning
                let catalog = try Catalog(path: configuration.catalog)
                let pool = RepositoryPool(configuration.repositories, environment: environment, logger: logger)
                var found: [RebuiltSnapshot] = []
                for rc in configuration.repositories {
                    let repo = try await pool.repository(rc.name)
                    for record in try await repo.snapshots() {
                        found.append(
                            RebuiltSnapshot(
                                id: record.id.hex, node: record.snapshot.node, kind: record.snapshot.kind, time: record.snapshot.time,
                                bytes: record.snapshot.summary.bytes, repository: rc.name))
                    }
                }
                let summary = try await catalog.rebuild(from: found)
                try catalog.close()
                withExtendedLifetime(lock) {}
                let result = Result(
                    snapshots: found.count, jobsCreated: summary.jobsCreated, repositoriesAdded: summary.repositoriesAdded,
                    snapshotsWithoutNode: summary.snapshotsWithoutNode)
                if json { return try Output.json(result) }
                Output.line(
                    "\(found.count) snapshots read; \(summary.jobsCreated) jobs recreated, \(summary.repositoriesAdded) repository entries added, \(summary.snapshotsWithoutNode) snapshots without a node skipped"
                )
            }
        }
    }
}
