import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat restore`: writes a snapshot back to disk, verifying every file.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Restore a snapshot into a directory.")

    @OptionGroup var options: RepositoryOptions

    @Argument(help: "Snapshot id (or unique prefix) or `latest`.")
    var snapshot: String

    @Option(name: .long, help: "Directory to restore into (created if missing; must be empty unless --force).")
    var target: String

    @Option(name: .long, help: "Restore only paths matching this pattern, relative to the snapshot root (repeatable).")
    var include: [String] = []

    @Flag(name: .long, help: "Restore into a non-empty target, replacing files in the way.")
    var force = false

    @Option(name: .long, help: "With `latest`: the latest snapshot of this node.")
    var node: String?

    /// What `restore --json` prints.
    struct JSONResult: Encodable {
        var snapshotId: String
        var target: String
        var files: Int
        var bytes: Int64
        var failures: [String]
    }

    func run() async throws {
        try await runReporting {
            guard !target.isEmpty else { throw LifeboatError(.invalidArgument, "--target is empty") }
            let repo = try await options.open()
            let record = try await repo.findSnapshot(snapshot, node: node)
            var restoreOptions = RestoreOptions(target: target)
            restoreOptions.include = include
            restoreOptions.force = force
            let bar = options.progress()
            let result = try await repo.restore(record, options: restoreOptions, progress: bar)
            (bar as? ProgressBar)?.finish()
            if options.json {
                try Output.json(
                    JSONResult(
                        snapshotId: record.id.hex, target: target, files: result.files, bytes: result.bytes, failures: result.failures))
            } else if !options.quiet {
                Output.line(
                    "restored snapshot \(record.id.short) to \(target): \(result.files) files, \(ByteFormat.format(result.bytes)), every file verified"
                )
            }
            if result.temporariesRemoved > 0 && !options.quiet {
                Output.warn("note: removed \(result.temporariesRemoved) temporary file(s) an interrupted restore left in \(target)")
            }
            for f in result.failures { Output.warn("error: \(f)") }
            if !result.failures.isEmpty {
                Output.warn("error: \(result.failures.count) file(s) were not restored")
                throw ExitCode(ExitStatus.failure)
            }
        }
    }
}
