import Foundation
import LifeboatCatalog
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// What a node restore has reached, kept on disk next to the node's datadir so that a
/// daemon killed mid-runbook finds it on its next start and finishes or undoes the work.
///
/// The runbook writes it (to a temporary file, flushed, then renamed over the old one) before
/// each step begins, before each entry is moved aside and before each entry is put in place,
/// so the file always names at least everything that may have moved. It is removed last, once
/// the restore succeeded or was rolled back.
struct RunbookJournal: Codable, Sendable, Equatable {
    /// The node restore job's id.
    var job: Int64
    /// The node.
    var node: String
    /// The request the job runs.
    var request: NodeRestoreRequest
    /// The repository it reads from.
    var repository: String
    /// The snapshot being restored (full id).
    var snapshot: String
    /// The step begun last.
    var step: String
    /// Datadir entries moved into the rollback directory so far.
    var movedAside: [String] = []
    /// Datadir entries put in place from the staged backup so far (each may or may not have landed).
    var placed: [String] = []
    /// Set when the job ended failed with `--no-rollback`: the next start leaves it alone.
    var keptForOperator: Bool = false
    /// When it was written.
    var updatedAt: Date = Date()

    /// The steps before the node is stopped: nothing of the node has changed yet.
    static let untouchedSteps: Set<String> = ["check", "stage"]
    /// The steps after every store, side file and key is in place: finishing is safer than undoing.
    static let resumableSteps: Set<String> = ["start", "wait-healthy", "reprocess", "verify"]

    /// The journal's path for a job: beside the datadir, like the staging and rollback directories.
    static func path(datadir: String, node: String, job: Int64) -> String {
        let parent = (datadir as NSString).deletingLastPathComponent
        return "\(parent)/.lifeboat-runbook-\(node)-job\(job).json"
    }

    /// The journals of a node's restores left unfinished, oldest job first.
    static func unfinished(datadir: String, node: String) -> [(path: String, journal: RunbookJournal)] {
        let parent = (datadir as NSString).deletingLastPathComponent
        let prefix = ".lifeboat-runbook-\(node)-job"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter {
            $0.hasPrefix(prefix) && $0.hasSuffix(".json") && Int64($0.dropFirst(prefix.count).dropLast(5)) != nil
        }
        return names.compactMap { name -> (String, RunbookJournal)? in
            let path = parent + "/" + name
            guard let journal = try? read(path), journal.node == node else { return nil }
            return (path, journal)
        }.sorted { $0.1.job < $1.1.job }
    }

    static func read(_ path: String) throws -> RunbookJournal {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LifeboatError(.notFound, "no runbook journal at \(path)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(RunbookJournal.self, from: data)
        } catch {
            throw LifeboatError(.corrupted, "the runbook journal \(path) is unreadable: \(error)")
        }
    }

    /// Writes the journal durably: a temporary file flushed to disk, renamed over the old one,
    /// and the directory flushed, so a kill or power loss leaves the old or the new whole.
    func write(to path: String) throws {
        var copy = self
        copy.updatedAt = Date()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try Self.writeDurably(try encoder.encode(copy), to: path)
    }

    /// Writes `data` to a file beside `path`, syncs it, renames it over `path` and syncs the
    /// directory: a kill leaves the old file or the new one, never a part.
    static func writeDurably(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("create", temporary) }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == data.count, synced == 0 else {
            unlink(temporary)
            throw Self.failure("write", temporary)
        }
        guard rename(temporary, path) == 0 else { throw Self.failure("rename", temporary) }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    static func failure(_ what: String, _ path: String) -> LifeboatError {
        LifeboatError(.io, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }
}

/// The fault-injection hook of the kill campaign and tests: with `LIFEBOAT_RUNBOOK_HOLD=STEP`
/// (or `STEP:N`, after N entries of `move-aside` or `restore-stores`) in its environment the
/// daemon's runbook writes its journal, creates `<journal>.held` and waits there until it is
/// killed — so a test kills it at a known point of a known step. Unset in production.
enum RunbookHold {
    static let variable = "LIFEBOAT_RUNBOOK_HOLD"

    /// Waits forever if the hook names this point.
    static func point(_ step: String, entries: Int? = nil, journal: String) async {
        guard let wanted = ProcessInfo.processInfo.environment[variable], !wanted.isEmpty else { return }
        let here = entries.map { "\(step):\($0)" } ?? step
        guard wanted == here else { return }
        _ = FileManager.default.createFile(atPath: journal + ".held", contents: Data(here.utf8))
        while true { try? await Task.sleep(for: .seconds(3600)) }
    }
}
