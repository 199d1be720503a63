import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatRepository

/// `lifeboat key`: manages the key slots that open a repository.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage the passwords and key files that open a repository.",
        subcommands: [Add.self, List.self, Remove.self, Generate.self])

    /// `lifeboat key add`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a password or key file slot.")

        @OptionGroup var options: RepositoryOptions

        @Option(name: .long, help: ArgumentHelp("Read the new password from this file.", valueName: "FILE"))
        var newPasswordFile: String?

        @Option(name: .long, help: ArgumentHelp("Add a slot for this key file (see `key generate`).", valueName: "FILE"))
        var newKeyFile: String?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Write a write-only key to this file (mode 0600): a host holding it can add backups but not read, list or delete any.",
                valueName: "FILE"))
        var writeOnly: String?

        func validate() throws {
            if [newPasswordFile, newKeyFile, writeOnly].compactMap({ $0 }).count != 1 {
                throw ValidationError("give exactly one of --new-password-file, --new-key-file or --write-only")
            }
        }

        func run() async throws {
            try await runReporting {
                if let writeOnly {
                    guard !FileManager.default.fileExists(atPath: writeOnly) else {
                        throw LifeboatError(.alreadyExists, "\(writeOnly) already exists; refusing to overwrite a key file")
                    }
                    let repo = try await options.open()
                    let file = try await repo.addWriteOnlyKey()
                    guard
                        FileManager.default.createFile(
                            atPath: writeOnly, contents: Data(try file.encoded()), attributes: [.posixPermissions: 0o600])
                    else {
                        throw LifeboatError(.io, "cannot write the write-only key \(writeOnly)")
                    }
                    if options.json {
                        try Output.json(["writeOnlyKey": writeOnly, "recipient": file.recipient])
                    } else if !options.quiet {
                        Output.line("wrote write-only key \(writeOnly): back up with `lifeboat backup --write-only-key \(writeOnly)`")
                    }
                    return
                }
                let repo = try await options.open()
                let secret: Secret
                if let newKeyFile {
                    secret = .keyFile(try readFile(newKeyFile, what: "key file"))
                } else if let newPasswordFile {
                    let text = String(decoding: try readFile(newPasswordFile, what: "password file"), as: UTF8.self)
                    secret = .password(text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? "")
                } else {
                    throw ValidationError("give --new-password-file or --new-key-file")
                }
                let id = try await repo.addKey(secret)
                if options.json { try Output.json(["id": id]) } else if !options.quiet { Output.line("added key \(id.prefix(8))") }
            }
        }
    }

    /// `lifeboat key list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List key slots (never any secret).")

        @OptionGroup var options: RepositoryOptions

        func run() async throws {
            try await runReporting {
                let repo = try await options.open()
                let keys = try await repo.listKeys(current: try options.secret())
                if options.json {
                    try Output.json(keys)
                    return
                }
                Output.line(" ID        Kind      User        Host                 Created")
                for k in keys {
                    Output.line(
                        "\(k.current ? "*" : " ")\(k.id.prefix(8))  \(k.kind.padding(toLength: 8, withPad: " ", startingAt: 0))  \(k.user.padding(toLength: 10, withPad: " ", startingAt: 0))  \(k.host.padding(toLength: 20, withPad: " ", startingAt: 0))  \(ISO8601.format(k.created, in: .gmt))"
                    )
                }
            }
        }
    }

    /// `lifeboat key remove`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a key slot (not the last, not the one in use).")

        @OptionGroup var options: RepositoryOptions

        @Argument(help: "Key id or unique prefix (at least 4 characters).")
        var id: String

        func run() async throws {
            try await runReporting {
                let repo = try await options.open()
                let removed = try await repo.removeKey(id, current: try options.secret())
                if options.json {
                    try Output.json(["removed": removed])
                } else if !options.quiet {
                    Output.line("removed key \(removed.prefix(8))")
                }
            }
        }
    }

    /// `lifeboat key generate`.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a new random key file (mode 0600).")

        @Option(name: [.short, .long], help: "Where to write the key file.")
        var output: String

        func run() async throws {
            try await runReporting {
                guard !FileManager.default.fileExists(atPath: output) else {
                    throw LifeboatError(.alreadyExists, "\(output) already exists; refusing to overwrite a key file")
                }
                guard
                    FileManager.default.createFile(
                        atPath: output, contents: Data(KeySlot.generateKeyFile()), attributes: [.posixPermissions: 0o600])
                else {
                    throw LifeboatError(.io, "cannot write key file \(output)")
                }
                Output.line("wrote key file \(output)")
            }
        }
    }
}
