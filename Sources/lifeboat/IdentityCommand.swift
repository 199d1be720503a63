import ArgumentParser
import AsyncHTTPClient
import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatCrypto
import LifeboatIdentity
import LifeboatRepository

/// `lifeboat identity`: identity dumps — keys captured, encrypted to age recipients, listed and restored.
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity", abstract: "Take, list, export and restore encrypted identity dumps.",
        subcommands: [Keygen.self, Dump.self, List.self, Export.self, Restore.self, RestoreKit.self])

    /// `--config FILE`: where a node's identity settings come from.
    struct ConfigOptions: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("The configuration file with the node's identity: section.", valueName: "FILE"))
        var config: String?

        /// The named node from the configuration file.
        func node(_ name: String) throws -> NodeConfiguration {
            try load().node(name)
        }

        /// The configuration and the named node from it.
        func load() throws -> Loaded {
            guard let config else {
                throw LifeboatError(.invalidArgument, "give --config lifeboat.yaml: the node's identity settings are read from it")
            }
            return Loaded(configuration: try LifeboatConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment))
        }

        /// A loaded configuration.
        struct Loaded {
            var configuration: LifeboatConfiguration

            /// The node, or a message listing the ones the file has.
            func node(_ name: String) throws -> NodeConfiguration {
                guard let node = configuration.node(named: name) else {
                    let known = configuration.nodes.map(\.name).joined(separator: ", ")
                    throw LifeboatError(.notFound, "no node \(name) in the configuration (nodes: \(known.isEmpty ? "none" : known))")
                }
                return node
            }
        }
    }

    /// `lifeboat identity keygen`.
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an age identity file (0600) and print its recipient for identity.recipients.")

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the identity to this file (never overwritten).", valueName: "FILE"))
        var output: String?

        func run() async throws {
            try await runReporting {
                if let output {
                    let recipient = try IdentityKeygen.write(to: output)
                    Output.line(recipient.encoded)
                } else {
                    let identity = AgeX25519Identity.generate()
                    FileHandle.standardError.write(Data("Public key: \(identity.recipient.encoded)\n".utf8))
                    FileHandle.standardOutput.write(Data(IdentityKeygen.fileText(for: identity).utf8))
                }
            }
        }
    }

    /// `lifeboat identity dump NODE`.
    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a node's keys, validate them, encrypt them to its age recipients and store the dump.")

        @OptionGroup var options: RepositoryOptions
        @OptionGroup var config: ConfigOptions

        @Argument(help: "The node, as named in the configuration.")
        var node: String

        func run() async throws {
            try await runReporting {
                let nodeConfiguration = try config.node(node)
                let repo = try await options.open()
                let dumper = IdentityDumper(node: nodeConfiguration, httpClient: .shared, logger: options.logger())
                let summary = try await dumper.dump(into: repo)
                if options.json {
                    try Output.json(summary)
                } else if !options.quiet {
                    Output.line(
                        "identity dump \(summary.name) saved: \(summary.keyCount) key\(summary.keyCount == 1 ? "" : "s"), fingerprint \(summary.fingerprint.prefix(16)), snapshot \(summary.snapshotID.prefix(8))"
                    )
                }
            }
        }
    }

    /// `lifeboat identity list NODE`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a node's identity dumps (never any secret).")

        @OptionGroup var options: RepositoryOptions

        @Argument(help: "The node.")
        var node: String

        func run() async throws {
            try await runReporting {
                let dumps = try await IdentityDumps.list(repository: try await options.open(), node: node)
                if options.json {
                    try Output.json(dumps)
                    return
                }
                Output.line("Name                                        Created               Keys  Fingerprint       Snapshot")
                for dump in dumps {
                    Output.line(
                        "\(dump.name.padding(toLength: 42, withPad: " ", startingAt: 0))  \(ISO8601.format(dump.created, in: .gmt).prefix(20))  \(String(dump.keyCount).padding(toLength: 4, withPad: " ", startingAt: 0))  \(dump.fingerprint.prefix(16))  \(dump.snapshotID.prefix(8))"
                    )
                }
                if !options.quiet { Output.line("\(dumps.count) identity dump\(dumps.count == 1 ? "" : "s")") }
            }
        }
    }

    /// `lifeboat identity export NODE DUMP -o FILE.age`.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a dump's encrypted age file (decrypt it with `age -d -i KEY`).")

        @OptionGroup var options: RepositoryOptions

        @Argument(help: "The node.")
        var node: String

        @Argument(help: "The dump: its name, `latest`, or a snapshot id prefix.")
        var dump: String

        @Option(name: .shortAndLong, help: ArgumentHelp("The .age file to write (never overwritten).", valueName: "FILE"))
        var output: String

        func run() async throws {
            try await runReporting {
                let bytes = try await IdentityDumps.export(dump, repository: try await options.open(), node: node)
                try IdentityKeygen.writeNew(bytes, to: output)
                if options.json {
                    try Output.json(["file": output, "bytes": String(bytes.count)])
                } else if !options.quiet {
                    Output.line("wrote \(output) (\(bytes.count) bytes, age-encrypted)")
                }
            }
        }
    }

    /// `lifeboat identity restore NODE DUMP --identity-file KEY`.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt a dump and put its keys back into the node's key directory or Vault.")

        @OptionGroup var options: RepositoryOptions
        @OptionGroup var config: ConfigOptions

        @Argument(help: "The node, as named in the configuration.")
        var node: String

        @Argument(help: "The dump: its name, `latest`, or a snapshot id prefix.")
        var dump: String

        @Option(name: .long, help: ArgumentHelp("The age identity file that decrypts the dump.", valueName: "KEY"))
        var identityFile: String

        @Option(name: .long, help: ArgumentHelp("fs sources: restore into this directory instead.", valueName: "DIR"))
        var directory: String?

        @Flag(name: .long, help: "Replace existing keys whose content differs.")
        var force = false

        func run() async throws {
            try await runReporting {
                let nodeConfiguration = try config.node(node)
                let repo = try await options.open()
                let restorer = IdentityRestorer(node: nodeConfiguration, httpClient: .shared, logger: options.logger())
                let summary = try await restorer.restore(
                    dump, from: repo, identityFile: identityFile, force: force, directory: directory)
                if options.json {
                    try Output.json(summary)
                } else if !options.quiet {
                    Output.line(
                        "restored to \(summary.target): \(summary.written.count) written, \(summary.unchanged.count) unchanged, \(summary.replaced.count) replaced"
                    )
                }
            }
        }
    }

    /// `lifeboat identity restore-kit NODE DUMP --new-participant-id ID -o DIR`.
    struct RestoreKit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore-kit",
            abstract: "Write the files that restore a Canton validator from a dump under a new participant identifier.")

        @OptionGroup var options: RepositoryOptions
        @OptionGroup var config: ConfigOptions

        @Argument(help: "The node.")
        var node: String

        @Argument(help: "The dump: its name, `latest`, or a snapshot id prefix.")
        var dump: String

        @Option(name: .long, help: ArgumentHelp("The new participant identifier (never used by this node).", valueName: "ID"))
        var newParticipantId: String

        @Option(name: .long, help: ArgumentHelp("The age identity file that decrypts the dump.", valueName: "KEY"))
        var identityFile: String

        @Option(name: .shortAndLong, help: ArgumentHelp("The directory to write the kit into (new or empty).", valueName: "DIR"))
        var output: String

        @Option(
            name: .long,
            help: ArgumentHelp("The job catalog that remembers identifiers (default: the config's catalog).", valueName: "FILE"))
        var catalog: String?

        @Option(name: .long, help: ArgumentHelp("The Kubernetes Secret's name.", valueName: "NAME"))
        var secretName: String = "participant-identities-dump"

        @Option(name: .long, help: ArgumentHelp("The Helm nodeIdentifier (default: the name in the dump's id).", valueName: "NAME"))
        var nodeIdentifier: String?

        func run() async throws {
            try await runReporting {
                let catalogPath = try catalog ?? config.load().configuration.catalog
                let store = try Catalog(path: catalogPath)
                defer { try? store.close() }
                let repo = try await options.open()
                let document = try await IdentityDumps.open(dump, repository: repo, node: node, identityFile: identityFile)
                var kit = LifeboatIdentity.RestoreKit.Options(newParticipantIdentifier: newParticipantId)
                kit.secretName = secretName
                kit.nodeIdentifier = nodeIdentifier
                let files = try await LifeboatIdentity.RestoreKit.write(document, options: kit, directory: output, catalog: store)
                if options.json {
                    try Output.json(["files": files])
                } else if !options.quiet {
                    Output.line("restore kit for \(document.name) written to \(output):")
                    for file in files { Output.line("  \(file)") }
                    Output.line("read \(LifeboatIdentity.RestoreKit.File.checklist) first; the dump files hold private keys")
                }
            }
        }
    }
}
