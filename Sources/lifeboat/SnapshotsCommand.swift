import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// `lifeboat snapshots`: lists the snapshots in a repository.
struct SnapshotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "snapshots", abstract: "List snapshots.")

    @OptionGroup var options: RepositoryOptions

    @Option(name: .long, help: "Only snapshots of this node.")
    var node: String?

    @Option(name: .long, help: "Only snapshots of this kind (state or identity).")
    var kind: SnapshotKind?

    /// One snapshot as `snapshots --json` prints it.
    struct Entry: Encodable {
        var id: String
        var shortId: String
        var time: Date
        var host: String
        var username: String
        var tags: [String]
        var node: String?
        var kind: String
        var paths: [String]
        var tree: String
        var parent: String?
        var summary: Snapshot.Summary
    }

    func run() async throws {
        try await runReporting {
            let repo = try await options.open()
            let listing = try await repo.listSnapshots()
            // A damaged manifest is named on stderr after the readable ones are listed, and
            // the command then fails: the list is incomplete.
            defer {
                for damaged in listing.damaged {
                    Output.warn("error: snapshot \(damaged.id.short) cannot be read: \(damaged.reason); run `lifeboat check`")
                }
            }
            let all = listing.records.filter {
                (node == nil || $0.snapshot.node == node) && (kind == nil || $0.snapshot.kind == kind)
            }
            if options.json {
                try Output.json(
                    all.map {
                        Entry(
                            id: $0.id.hex, shortId: $0.id.short, time: $0.snapshot.time, host: $0.snapshot.host,
                            username: $0.snapshot.username, tags: $0.snapshot.tags, node: $0.snapshot.node, kind: $0.snapshot.kind.rawValue,
                            paths: $0.snapshot.paths, tree: $0.snapshot.tree.hex, parent: $0.snapshot.parent?.hex,
                            summary: $0.snapshot.summary)
                    })
                if !listing.damaged.isEmpty { throw ExitCode(ExitStatus.failure) }
                return
            }
            Output.line("ID        Time                  Kind      Node          Size        Tags        Paths")
            for r in all {
                let s = r.snapshot
                let time = ISO8601.format(s.time, in: .gmt).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
                Output.line(
                    "\(r.id.short)  \(time)   \(s.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \((s.node ?? "-").padding(toLength: 12, withPad: " ", startingAt: 0))  \(ByteFormat.format(s.summary.bytes).padding(toLength: 10, withPad: " ", startingAt: 0))  \(s.tags.joined(separator: ",").padding(toLength: 10, withPad: " ", startingAt: 0))  \(s.paths.joined(separator: " "))"
                )
            }
            Output.line("\(all.count) snapshot\(all.count == 1 ? "" : "s")")
            if !listing.damaged.isEmpty { throw ExitCode(ExitStatus.failure) }
        }
    }
}

extension SnapshotKind: ExpressibleByArgument {}
