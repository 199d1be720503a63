import ArgumentParser
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatJobs
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

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Restore only this Redis entry (redis, redis-2, …: one per Redis store) as an RDB file into --target, for a stopped server.",
            valueName: "ENTRY"))
    var redis: String?

    @Option(
        name: .customLong("redis-file"),
        help: ArgumentHelp("With --redis: the RDB's file name (the server's dbfilename).", valueName: "NAME"))
    var redisFile = "dump.rdb"

    @Option(
        name: .customLong("redis-url"),
        help: ArgumentHelp(
            "With --redis: refuse while a Redis server answers at this URL (it would overwrite the file on shutdown).", valueName: "URL"))
    var redisURL: String?

    func validate() throws {
        if let redis, !RedisEntryRestore.isEntryName(redis) {
            throw ValidationError("--redis \"\(redis)\" is not a Redis entry; give redis, redis-2, … (one per Redis store, in order)")
        }
        if redis == nil && (redisURL != nil || redisFile != "dump.rdb") {
            throw ValidationError("--redis-file and --redis-url go with --redis ENTRY")
        }
        if redis != nil && !include.isEmpty { throw ValidationError("--include cannot be combined with --redis") }
    }

    /// What `restore --redis ENTRY --json` prints.
    struct RedisJSONResult: Encodable {
        var snapshotId: String
        var entry: String
        var path: String
        var bytes: Int64
        var capturedAt: String
        var keysBefore: Int
        var keysAfter: Int
        var notes: [String]
    }

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
            if let redis {
                try await restoreRedis(redis, repo: repo, record: record)
                return
            }
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

    func restoreRedis(_ entry: String, repo: Repository, record: SnapshotRecord) async throws {
        let server = redisURL.map { RedisStore(url: $0) }
        let result = try await RedisEntryRestore.restore(
            repository: repo, snapshot: record, entry: entry, directory: target, fileName: redisFile, force: force, server: server)
        if options.json {
            try Output.json(
                RedisJSONResult(
                    snapshotId: record.id.hex, entry: entry, path: result.path, bytes: result.bytes,
                    capturedAt: ISO8601.format(result.capturedAt),
                    keysBefore: result.keysBefore, keysAfter: result.keysAfter, notes: result.notes))
        } else if !options.quiet {
            let keys = result.keysBefore == result.keysAfter ? "\(result.keysBefore)" : "\(result.keysBefore)–\(result.keysAfter)"
            Output.line(
                "restored Redis entry \(entry) of snapshot \(record.id.short) to \(result.path): \(ByteFormat.format(result.bytes)), verified; captured \(ISO8601.format(result.capturedAt)) with \(keys) keys. Start redis-server with this directory as its dir to load it."
            )
        }
        for note in result.notes { Output.warn("note: \(note)") }
    }
}
