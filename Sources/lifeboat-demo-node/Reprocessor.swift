import Foundation
import LifeboatCore

/// The node's side of `POST /internal/network/v1/reprocess?type=…`: logs every call, answers
/// 202 and rebuilds the search index for the type in the background, and tracks which of the
/// reprocess calls a restored datadir needs are still missing.
///
/// The pending list lives in `events/reprocess-pending.json`, so a restart before the calls
/// arrive does not forget them.
final class Reprocessor: @unchecked Sendable {
    /// One finished or refused call, as logged to `reprocess.log` (one JSON object per line).
    struct LogLine: Codable, Sendable {
        /// When the call arrived.
        var time: String
        /// The decoded `type` parameter, nil when absent (e.g. a raw `;` made Go reject it).
        var type: String?
        /// The query exactly as received.
        var rawQuery: String
        /// The HTTP status answered.
        var status: Int
        /// Whether the type is a content type the network carries (DID document, credential, revocation).
        var known: Bool
    }

    private let stores: NutsStores
    private let logPath: String
    private let pendingPath: String
    private let lock = NSLock()
    private var pending: [String]
    private var completed: [String] = []
    private var received: [String] = []
    /// Whether this run started on a restored datadir.
    let restored: Bool

    /// Loads the pending list, or starts one when the datadir was just restored.
    init(datadir: String, stores: NutsStores, restored: Bool) throws {
        self.stores = stores
        self.restored = restored
        logPath = datadir + "/reprocess.log"
        pendingPath = datadir + "/events/reprocess-pending.json"
        if restored {
            pending = stores.version.reprocessTypes
            if pending.isEmpty {
                // 5.4 needs no calls: it rebuilds its indexes from its backup stores at start.
                for type in stores.indexedTypes { try stores.rebuildIndex(type: type) }
            }
            try savePending()
        } else if let data = FileManager.default.contents(atPath: pendingPath) {
            pending = (try? JSONDecoder().decode([String].self, from: data)) ?? []
        } else {
            pending = []
        }
    }

    /// Handles one call; returns the status and a JSON body.
    func handle(rawQuery: String?) -> (status: Int, body: String) {
        let type = GoQuery.value("type", in: rawQuery)
        let known = type.map { NutsVersion.v5_3.reprocessTypes.contains($0) } ?? false
        let status = (type?.isEmpty ?? true) ? 400 : 202
        log(LogLine(time: ISO8601DateFormatter().string(from: Date()), type: type, rawQuery: rawQuery ?? "", status: status, known: known))
        guard status == 202, let type else {
            return (
                400, #"{"title":"missing type","detail":"query parameter type is required (escape + as %2B and ; as %3B)","status":400}"#
            )
        }
        lock.withLock { received.append(type) }
        Task.detached { [self] in
            // The real node replays events asynchronously; the caller must not rely on timing.
            try? await Task.sleep(for: .milliseconds(150))
            do {
                if stores.indexedTypes.contains(type) { try stores.rebuildIndex(type: type) }
                lock.withLock {
                    pending.removeAll { $0 == type }
                    if !completed.contains(type) { completed.append(type) }
                }
                try savePending()
            } catch {
                say("reprocess \(type) failed: \(error)")
            }
        }
        return (202, "")
    }

    /// What diagnostics report about reprocessing: only values that are equal on a node at
    /// rest and on a restored node that has reprocessed, so backup-time diagnostics can match.
    func status() -> [String: Any] {
        lock.withLock {
            ["required_after_restore": stores.version.reprocessTypes, "pending": pending, "done": pending.isEmpty]
        }
    }

    /// The full picture for tests and operators: also whether this run started restored and
    /// which calls arrived and finished.
    func details() -> [String: Any] {
        lock.withLock {
            [
                "restored_at_start": restored, "required_after_restore": stores.version.reprocessTypes,
                "received": received, "completed": completed, "pending": pending, "done": pending.isEmpty,
            ]
        }
    }

    private func savePending() throws {
        let snapshot = lock.withLock { pending }
        let data = try JSONEncoder().encode(snapshot)
        try data.write(to: URL(fileURLWithPath: pendingPath), options: .atomic)
    }

    private func log(_ line: LogLine) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line) else { return }
        let text = String(decoding: data, as: UTF8.self)
        say("reprocess: \(text)")
        lock.withLock {
            if !FileManager.default.fileExists(atPath: logPath) {
                _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o640])
            }
            if let handle = FileHandle(forWritingAtPath: logPath) {
                handle.seekToEndOfFile()
                handle.write(Data((text + "\n").utf8))
                try? handle.close()
            }
        }
    }
}
