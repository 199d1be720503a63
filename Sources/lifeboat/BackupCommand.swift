import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat backup`: stores files, directories and live SQLite databases as a snapshot.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Back up files, directories and live SQLite databases.")

    @OptionGroup var options: RepositoryOptions

    @Option(name: .long, help: "A tag for the snapshot (repeatable).")
    var tag: [String] = []

    @Option(name: .long, help: "The node this backup belongs to.")
    var node: String?

    @Option(
        name: .long,
        help: "Store each path under its path relative to this directory (keeps a datadir's layout) instead of its last name.")
    var root: String?

    @Flag(name: .long, help: "Read every file again, even when size and mtime match the previous snapshot.")
    var forceRead = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Back up with a write-only key instead of a password (or LIFEBOAT_WRITE_ONLY_KEY): this host then cannot read, list or delete any backup.",
            valueName: "FILE"))
    var writeOnlyKey: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where a write-only host keeps the record of what it wrote, for deduplication (default: LIFEBOAT_CACHE_DIR, else ~/.cache/lifeboat).",
            valueName: "DIR"))
    var cacheDir: String?

    @Argument(help: "Files or directories to back up.")
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one path to back up") }
        for t in tag where t.isEmpty || t.contains(",") {
            throw ValidationError("tag \"\(t)\" must be non-empty and contain no comma")
        }
        if let node, node.isEmpty || node.contains("/") {
            throw ValidationError("node name \"\(node)\" must be non-empty and contain no slash")
        }
        if writeOnlyKey != nil, options.passwordFile != nil || options.keyFile != nil {
            throw ValidationError("give either --write-only-key or --password-file/--key-file, not both")
        }
        if cacheDir != nil, writeOnlyKey == nil, ProcessInfo.processInfo.environment["LIFEBOAT_WRITE_ONLY_KEY"] == nil {
            throw ValidationError("--cache-dir is used only with --write-only-key")
        }
    }

    /// The repository, opened with the write-only key when one is given.
    private func openRepository() async throws -> Repository {
        let environment = ProcessInfo.processInfo.environment
        let path = writeOnlyKey ?? environment["LIFEBOAT_WRITE_ONLY_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard let path else { return try await options.open() }
        let keyFile = try WriteOnlyKeyFile.decode(try readFile(path, what: "write-only key"), path: path)
        let cache =
            cacheDir ?? environment["LIFEBOAT_CACHE_DIR"]
            ?? environment["XDG_CACHE_HOME"].map { "\($0)/lifeboat" }
            ?? "\(environment["HOME"] ?? NSTemporaryDirectory())/.cache/lifeboat"
        return try await Repository.openWriteOnly(
            storage: try await options.storage(), keyFile: keyFile, cacheDirectory: cache, logger: options.logger())
    }

    /// What `backup --json` prints.
    struct JSONResult: Encodable {
        var snapshotId: String
        var shortId: String
        var files: Int
        var directories: Int
        var filesRead: Int
        var bytes: Int64
        var bytesAdded: Int64
        var bytesStored: Int64
        var blobsAdded: Int
        var seconds: Double
        var warnings: [String]
    }

    func run() async throws {
        try await runReporting {
            let repo = try await openRepository()
            var backupOptions = BackupOptions()
            backupOptions.tags = tag
            backupOptions.node = node
            backupOptions.forceRead = forceRead
            backupOptions.root = root
            let bar = options.progress()
            let result = try await repo.backup(paths: paths, options: backupOptions, progress: bar)
            (bar as? ProgressBar)?.finish()
            let s = result.snapshot.summary
            if options.json {
                try Output.json(
                    JSONResult(
                        snapshotId: result.id.hex, shortId: result.id.short, files: s.files, directories: s.directories,
                        filesRead: s.filesRead, bytes: s.bytes, bytesAdded: s.bytesAdded, bytesStored: s.bytesStored,
                        blobsAdded: s.blobsAdded, seconds: s.seconds, warnings: result.warnings))
            } else if !options.quiet {
                Output.line(
                    "snapshot \(result.id.short) saved: \(s.files) files, \(ByteFormat.format(s.bytes)); added \(ByteFormat.format(s.bytesAdded)) (\(ByteFormat.format(s.bytesStored)) stored) in \(String(format: "%.2f", s.seconds)) s"
                )
            }
            for w in result.warnings { Output.warn("warning: \(w)") }
            if !result.warnings.isEmpty {
                Output.warn("snapshot \(result.id.short) is incomplete: \(result.warnings.count) item(s) could not be read")
                throw ExitCode(ExitStatus.incomplete)
            }
        }
    }
}
