import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatRepository
import Logging

/// Brackets a state backup's capture with the node's diagnostics: one reading right before
/// the stores are read, and one right after the last of them, taken by the snapshot's
/// closing entry (`.lifeboat/diagnostics.json`, archived after every store). On a node that is
/// being written to, the captured state lies between the two readings.
///
/// ```swift
/// if let capture = await DiagnosticsCapture.begin(node, logger: logger) {
///     options.closingStreams = [capture.entry(root: options.root)]
/// }
/// ```
struct DiagnosticsCapture: Sendable {
    /// Where the record goes, relative to the datadir.
    static let recordPath = ".lifeboat/diagnostics.json"

    let node: NodeConfiguration
    let url: String
    let before: JSONValue
    let beforeAt: Date
    let facts: CaptureFacts
    let logger: Logger

    /// Takes the first reading; nil when the node has no `control.url` or datadir, or does not answer.
    static func begin(_ node: NodeConfiguration, logger: Logger) async -> DiagnosticsCapture? {
        guard let url = node.control?.url, node.datadir != nil else { return nil }
        let facts = CaptureFacts.read(node)
        do {
            let reading = try await NodeClient(base: url).diagnostics()
            return DiagnosticsCapture(node: node, url: url, before: reading, beforeAt: Date(), facts: facts, logger: logger)
        } catch {
            logger.warning("could not record the node's diagnostics", metadata: ["node": "\(node.name)", "error": "\(error)"])
            return nil
        }
    }

    /// A shelf holds copies the node wrote before the backup started, so the first reading
    /// would be later than the capture: waits (up to `control.timeout`) until every copy in
    /// the node's shelves was begun after the first reading — its `.db.previous` (the copy
    /// before it, renamed aside when it was put in place) is newer than the reading. False
    /// when they are not in time: the readings then do not bracket the capture and are not
    /// recorded.
    func awaitFreshShelfCopies() async -> Bool {
        let shelves = node.stores.compactMap { store -> String? in
            if case .shelf(let directory) = store { return node.resolvedPath(directory) }
            return nil
        }
        guard !shelves.isEmpty else { return true }
        let deadline = Date().addingTimeInterval(node.control?.timeout.seconds ?? 60)
        while Date() < deadline {
            if shelves.allSatisfy({ Self.oldestPreviousCopy(in: $0).map { $0 > beforeAt } ?? false }) { return true }
            do { try await Task.sleep(for: .milliseconds(200)) } catch { return false }
        }
        logger.warning(
            "the node's shelf copies were not renewed after its diagnostics were read: diagnostics not recorded",
            metadata: ["node": "\(node.name)"])
        return false
    }

    /// The modification time of the oldest `<module>/<store>.db.previous` in a shelf; nil when
    /// a `<store>.db` has none yet (or the shelf is empty).
    static func oldestPreviousCopy(in shelf: String) -> Date? {
        let fm = FileManager.default
        var oldest: Date?
        for module in (try? fm.contentsOfDirectory(atPath: shelf)) ?? [] {
            for name in (try? fm.contentsOfDirectory(atPath: shelf + "/" + module)) ?? [] where name.hasSuffix(".db") {
                let previous = "\(shelf)/\(module)/\(name).previous"
                guard let date = (try? fm.attributesOfItem(atPath: previous))?[.modificationDate] as? Date else { return nil }
                oldest = min(oldest ?? date, date)
            }
        }
        return oldest
    }

    /// The closing entry that takes the second reading and writes the record, at the datadir's
    /// place below the backup's `root`.
    func entry(root: String?) -> StreamEntry {
        let datadir = node.datadir ?? ""
        let path: String
        if let root, root != datadir {
            let base = root.hasSuffix("/") ? root : root + "/"
            path = String(datadir.dropFirst(datadir.hasPrefix(base) ? base.count : 0)) + "/" + Self.recordPath
        } else {
            path = Self.recordPath
        }
        return StreamEntry(path: path, mode: 0o600, producer: RecordProducer(capture: self))
    }

    /// The record, given the second reading (nil when the node did not answer it).
    func record(after: JSONValue?, afterAt: Date, factsAfter: CaptureFacts) -> RecordedDiagnostics {
        var changed: [String] = []
        if let after {
            var low: [String: JSONValue] = [:]
            var high: [String: JSONValue] = [:]
            before.leaves(into: &low)
            after.leaves(into: &high)
            changed = Set(low.keys).union(high.keys).filter { low[$0] != high[$0] }.sorted()
        }
        return RecordedDiagnostics(
            capturedAt: beforeAt, url: url, diagnostics: before, format: 2, after: after, afterAt: after == nil ? nil : afterAt,
            changed: changed, facts: facts, factsAfter: factsAfter)
    }

    /// Produces the record when the archiver reaches the closing entry: after every store.
    struct RecordProducer: StreamProducer {
        let capture: DiagnosticsCapture

        func start() async throws -> any ProducedStream {
            let after: JSONValue?
            do {
                after = try await NodeClient(base: capture.url).diagnostics()
            } catch {
                capture.logger.warning(
                    "could not read the node's diagnostics after its stores were captured",
                    metadata: ["node": "\(capture.node.name)", "error": "\(error)"])
                after = nil
            }
            let record = capture.record(after: after, afterAt: Date(), factsAfter: CaptureFacts.read(capture.node))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.dateEncodingStrategy = .iso8601
            return try await BytesProducer(Array(try encoder.encode(record))).start()
        }
    }
}
