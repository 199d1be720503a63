import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository
import Logging

/// `lifeboat copy`: copies snapshots to another repository (an off-site copy), sending only
/// the data it lacks and re-encrypting with its key.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy snapshots to another repository, sending only the data it lacks.",
        discussion: """
            Both repositories must exist (create the target with `lifeboat init`). Snapshots the \
            target already holds a copy of are skipped, so running the same copy again is cheap.
            Source password: --from-password-file, --from-key-file, LIFEBOAT_FROM_PASSWORD(_FILE). \
            Target password: --to-password-file, --to-key-file, LIFEBOAT_TO_PASSWORD(_FILE), \
            else LIFEBOAT_PASSWORD(_FILE).
            """)

    @Option(name: .long, help: ArgumentHelp("The repository to copy from (directory or s3: URL).", valueName: "REPO"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("The repository to copy to (directory or s3: URL).", valueName: "REPO"))
    var to: String

    @Option(name: .long, help: ArgumentHelp("Source password file (first line).", valueName: "FILE"))
    var fromPasswordFile: String?

    @Option(name: .long, help: ArgumentHelp("Source key file.", valueName: "FILE"))
    var fromKeyFile: String?

    @Option(name: .long, help: ArgumentHelp("Target password file (first line).", valueName: "FILE"))
    var toPasswordFile: String?

    @Option(name: .long, help: ArgumentHelp("Target key file.", valueName: "FILE"))
    var toKeyFile: String?

    @Option(name: .long, help: "Copy the snapshots of this node only.")
    var node: String?

    @Argument(help: "Snapshot ids (or unique prefixes, or `latest`); all snapshots when none are given.")
    var snapshots: [String] = []

    @Flag(name: .long, help: "Print machine-readable JSON on stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Print nothing but errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Log what the engine does (to stderr).")
    var verbose = false

    /// One snapshot in `copy --json` output.
    struct JSONSnapshot: Encodable {
        var sourceId: String
        var targetId: String
        var time: Date
        var node: String?
    }

    /// What `copy --json` prints.
    struct JSONResult: Encodable {
        var copied: [JSONSnapshot]
        var skipped: [JSONSnapshot]
        var blobsAdded: Int
        var bytesAdded: Int64
        var bytesStored: Int64
    }

    func run() async throws {
        try await runReporting {
            var logger = Logger(label: "lifeboat") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = verbose ? .info : .warning
            let env = ProcessInfo.processInfo.environment
            let fromSecret = try RepositoryOptions.secret(
                keyFile: fromKeyFile, passwordFile: fromPasswordFile, environmentPrefix: "LIFEBOAT_FROM", which: "Source repository",
                flags: "--from-password-file FILE or --from-key-file FILE")
            let toPrefix = env["LIFEBOAT_TO_PASSWORD"] != nil || env["LIFEBOAT_TO_PASSWORD_FILE"] != nil ? "LIFEBOAT_TO" : "LIFEBOAT"
            let toSecret = try RepositoryOptions.secret(
                keyFile: toKeyFile, passwordFile: toPasswordFile, environmentPrefix: toPrefix, which: "Target repository",
                flags: "--to-password-file FILE or --to-key-file FILE")
            let source = try await Repository.open(
                storage: try await RepositoryOptions.storage(at: from, logger: logger), secret: fromSecret, logger: logger)
            let target = try await Repository.open(
                storage: try await RepositoryOptions.storage(at: to, logger: logger), secret: toSecret, logger: logger)
            var chosen: [SnapshotRecord] = []
            var unreadable: [DamagedSnapshot] = []
            if snapshots.isEmpty {
                let listing = try await source.listSnapshots()
                chosen = listing.records.filter { node == nil || $0.snapshot.node == node }
                unreadable = listing.damaged
            } else {
                for ref in snapshots { chosen.append(try await source.findSnapshot(ref, node: node)) }
            }
            let result = try await source.copy(chosen, to: target)
            func rows(_ list: [CopiedSnapshot]) -> [JSONSnapshot] {
                list.map { JSONSnapshot(sourceId: $0.source.hex, targetId: $0.target.hex, time: $0.time, node: $0.node) }
            }
            if json {
                try Output.json(
                    JSONResult(
                        copied: rows(result.copied), skipped: rows(result.skipped), blobsAdded: result.blobsAdded,
                        bytesAdded: result.bytesAdded, bytesStored: result.bytesStored))
            } else if !quiet {
                for c in result.copied { Output.line("snapshot \(c.source.short) copied as \(c.target.short)") }
                Output.line(
                    "copied \(result.copied.count) snapshot(s), \(result.skipped.count) already there; added \(ByteFormat.format(result.bytesAdded)) (\(ByteFormat.format(result.bytesStored)) stored)"
                )
            }
            for damaged in unreadable {
                Output.warn(
                    "error: snapshot \(damaged.id.short) was not copied: \(damaged.reason); run `lifeboat check` on the source repository")
            }
            if !unreadable.isEmpty { throw ExitCode(ExitStatus.failure) }
        }
    }
}
