import Foundation
import LifeboatCore

extension NodeRestoreRunbook {
    /// The record the backup carries in the staged datadir, nil when it has none (no
    /// `control.url` at backup time, or the node did not answer).
    static func recordedDiagnostics(_ stagedDatadir: String) -> RecordedDiagnostics? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = FileManager.default.contents(atPath: stagedDatadir + "/" + DiagnosticsCapture.recordPath) else { return nil }
        return try? decoder.decode(RecordedDiagnostics.self, from: data)
    }

    /// The verify step: the restored node's first reading must show it started from the captured
    /// state (no store count below the capture, heads as captured where its counts are), then
    /// rebuilt counts and equal values are waited for, and the key ids and trusted issuers in
    /// the datadir must be those of the capture (see ``DiagnosticsComparison``). Returns the
    /// step's status and message; throws naming what differs.
    func verifyDiagnostics(_ recorded: RecordedDiagnostics?, client: NodeClient?) async throws -> (status: String, message: String) {
        guard let client else { return ("skipped", "no control.url") }
        guard let recorded else { return ("skipped", "the backup recorded no diagnostics") }
        let comparison = DiagnosticsComparison(recorded)
        let latest = ReadingBox()
        try await controller.waitFor("the restored node's diagnostics") {
            guard let reading = try? await client.diagnostics() else { return false }
            latest.set(reading)
            return true
        }
        guard let first = latest.get() else { throw LifeboatError(.io, "the restored node answered no diagnostics") }
        let verdict = comparison.firstReading(first)
        guard verdict.failures.isEmpty else {
            throw LifeboatError(
                .corrupted, "the restored node is not at the backup's state: " + verdict.failures.prefix(5).joined(separator: "; "))
        }
        let last = DifferenceBox()
        do {
            try await controller.waitFor("the diagnostics to match the backup's") {
                guard let now = try? await client.diagnostics() else { return false }
                let differences = comparison.pending(now)
                last.set(differences)
                return differences.isEmpty
            }
        } catch {
            throw LifeboatError(.io, "diagnostics still differ from the backup's: " + last.get().prefix(5).joined(separator: "; "))
        }
        let facts = CaptureFacts.read(node).differences(from: [recorded.facts, recorded.factsAfter].compactMap { $0 })
        guard facts.isEmpty else {
            throw LifeboatError(.corrupted, "the restored datadir differs from the backup's: " + facts.joined(separator: "; "))
        }
        var notes = ["diagnostics match those recorded around the capture at \(ISO8601.format(recorded.capturedAt))"]
        if !verdict.proven.isEmpty { notes.append("started from the captured state: " + verdict.proven.joined(separator: ", ")) }
        if !verdict.movedOn.isEmpty { notes.append("written to before its first reading: " + verdict.movedOn.joined(separator: ", ")) }
        if let changed = recorded.changed, !changed.isEmpty { notes.append("\(changed.count) values changed during the capture") }
        if recorded.format != nil && recorded.high == nil { notes.append("no reading after the capture: counts checked from below only") }
        return ("done", notes.joined(separator: "; "))
    }
}

/// The latest diagnostics reading seen while waiting.
final class ReadingBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: JSONValue?
    func set(_ v: JSONValue) { lock.withLock { value = v } }
    func get() -> JSONValue? { lock.withLock { value } }
}
