import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatJobs
import LifeboatServer

/// `lifeboat node restore`: the whole restore runbook of a node, run by the daemon.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Node-aware operations (through the daemon).", subcommands: [Restore.self])

    /// `lifeboat node restore NODE [--backup ID|latest] [--identity DUMP --identity-file KEY] [--plan] [--yes]`.
    struct Restore: AsyncParsableCommand {
        /// The `node-restores` request body (absent values are left out).
        struct Body: Encodable {
            var backup: String
            var repository: String?
            var identityDump: String?
            var identityFile: String?
            var newParticipantId: String?
            var restoreKitDirectory: String?
            var noRollback: Bool?
            var original: String?
            var iHaveStoppedTheOriginal: Bool?
        }

        static let configuration = CommandConfiguration(
            abstract: "Restore a node: stop, move aside, restore stores and side files, restore keys, start, reprocess, verify.",
            discussion: "Without --yes it prints the plan and asks on a terminal. --rollback JOB puts back what a restore job moved aside.")

        @OptionGroup var server: ServerOptions

        @Argument(help: "The node.")
        var node: String

        @Option(name: .long, help: ArgumentHelp("The backup: a snapshot id (prefix) or latest.", valueName: "ID"))
        var backup: String = "latest"

        @Option(name: .long, help: ArgumentHelp("The repository to restore from.", valueName: "NAME"))
        var repository: String?

        @Option(name: .long, help: ArgumentHelp("An identity dump to restore the keys from.", valueName: "DUMP"))
        var identity: String?

        @Option(name: .long, help: ArgumentHelp("The age identity file that decrypts the dump (on the daemon's host).", valueName: "KEY"))
        var identityFile: String?

        @Option(
            name: .long,
            help: ArgumentHelp("Canton: also write a restore kit for this new participant identifier.", valueName: "ID"))
        var newParticipantId: String?

        @Option(name: .long, help: ArgumentHelp("Canton: the restore kit's directory (on the daemon's host).", valueName: "DIR"))
        var restoreKit: String?

        @Flag(name: .long, help: "If a step after the stop fails, leave the node as it is instead of rolling back.")
        var noRollback = false

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Where the original node answers, if not at the control URL recorded with the backup (asked before the restore).",
                valueName: "URL"))
        var original: String?

        @Flag(
            name: .customLong("i-have-stopped-the-original"),
            help: "Restore the identity although the original node still answers with it: you have made sure it can no longer act.")
        var iHaveStoppedTheOriginal = false

        @Flag(name: .long, help: "Print the steps and touch nothing.")
        var plan = false

        @Flag(name: .long, help: "Do not ask for confirmation.")
        var yes = false

        @Option(name: .long, help: ArgumentHelp("Put back the data restore job JOB moved aside.", valueName: "JOB"))
        var rollback: Int64?

        func validate() throws {
            if identity != nil && identityFile == nil {
                throw ValidationError("--identity needs --identity-file KEY to decrypt the dump")
            }
            if identityFile != nil && identity == nil { throw ValidationError("--identity-file needs --identity DUMP") }
            if newParticipantId != nil && identity == nil { throw ValidationError("--new-participant-id needs --identity DUMP") }
            if restoreKit != nil && newParticipantId == nil { throw ValidationError("--restore-kit needs --new-participant-id ID") }
            if (original != nil || iHaveStoppedTheOriginal) && identity == nil {
                throw ValidationError(
                    "--original and --i-have-stopped-the-original apply to restoring an identity: pass --identity DUMP")
            }
            if let original, !(original.hasPrefix("http://") || original.hasPrefix("https://")) {
                throw ValidationError("--original must be an http:// or https:// URL, not \(original)")
            }
            if noRollback && (rollback != nil || plan) {
                throw ValidationError("--no-rollback applies to a restore, not to --rollback or --plan")
            }
        }

        func run() async throws {
            try await runReporting {
                let client = try server.client()
                if let rollback {
                    let job = try await client.post("/api/v1/jobs/\(rollback)/rollback", as: JobView.self)
                    return try await JobText.followToEnd(job.id, client: client, json: server.json)
                }
                var query = "backup=\(pathSegment(backup))"
                if let repository { query += "&repository=\(pathSegment(repository))" }
                if let identity { query += "&identityDump=\(pathSegment(identity))" }
                if let newParticipantId { query += "&newParticipantId=\(pathSegment(newParticipantId))" }
                let steps = try await client.get("/api/v1/nodes/\(pathSegment(node))/restore-plan?\(query)", as: [RunbookStep].self)
                if plan {
                    if server.json { return try Output.json(steps) }
                    for (i, step) in steps.enumerated() { Output.line("\(i + 1). \(step.id): \(step.description)") }
                    return
                }
                if !yes {
                    guard isatty(STDIN_FILENO) == 1 else {
                        throw LifeboatError(
                            .invalidArgument, "restoring \(node) replaces its data: pass --yes (or run on a terminal to confirm)")
                    }
                    for (i, step) in steps.enumerated() { Output.line("\(i + 1). \(step.id): \(step.description)") }
                    FileHandle.standardError.write(Data("Restore \(node) now? Type the node name to confirm: ".utf8))
                    guard readLine()?.trimmingCharacters(in: .whitespaces) == node else {
                        throw LifeboatError(.cancelled, "not confirmed; nothing was changed")
                    }
                }
                let body = Body(
                    backup: backup, repository: repository, identityDump: identity, identityFile: identityFile,
                    newParticipantId: newParticipantId,
                    restoreKitDirectory: restoreKit.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 },
                    noRollback: noRollback ? true : nil, original: original,
                    iHaveStoppedTheOriginal: iHaveStoppedTheOriginal ? true : nil)
                let data = try JSONEncoder().encode(body)
                let job = try await client.post("/api/v1/nodes/\(pathSegment(node))/node-restores", body: data, as: JobView.self)
                if !server.json { Output.line("job \(job.id): restoring \(node)") }
                try await JobText.followToEnd(job.id, client: client, json: server.json)
            }
        }
    }
}
