import Foundation
import LifeboatConfig
import LifeboatCore

/// The node's diagnostics as recorded with a state backup (`.lifeboat/diagnostics.json` in the
/// snapshot): one reading right before the stores were read and one right after the last of
/// them, so the captured state lies between the two (equal to both when nothing changed).
///
/// Snapshots made before the capture was bracketed carry only `capturedAt`, `url` and
/// `diagnostics` (one reading taken before the stores); they still decode, as an exact record.
struct RecordedDiagnostics: Codable, Sendable {
    /// When the reading in `diagnostics` was taken.
    var capturedAt: Date
    /// The node's control URL.
    var url: String
    /// The reading right before the stores were read (older snapshots: the only one).
    var diagnostics: JSONValue
    /// 2 for a bracketed record; nil in older snapshots.
    var format: Int?
    /// The reading right after the last store was read; nil when the node did not answer then.
    var after: JSONValue?
    /// When `after` was taken.
    var afterAt: Date?
    /// Leaves whose value differs between the two readings (the node wrote during the capture).
    var changed: [String]?
    /// What Lifeboat read itself right before the stores were read.
    var facts: CaptureFacts?
    /// The same right after.
    var factsAfter: CaptureFacts?

    /// The reading the captured state is at least at.
    var low: JSONValue { diagnostics }
    /// The reading the captured state is at most at: the one after, the one before for an older
    /// (unbracketed) record, nil when the bracket's second reading is missing.
    var high: JSONValue? { format == nil ? diagnostics : after }
}

/// Facts about a node's datadir that its diagnostics do not report: the ids of its
/// filesystem keys and the trusted issuers file.
struct CaptureFacts: Codable, Sendable, Equatable {
    /// Key ids (`<kid>_private.pem` names without the suffix), sorted; nil when the node's keys are not files.
    var keyIDs: [String]?
    /// The text of `vcr/trusted_issuers.yaml` (Nuts: credential types and issuer DIDs, public), nil when there is none.
    var trustedIssuers: String?

    /// Reads the facts of `node` from its datadir.
    static func read(_ node: NodeConfiguration) -> CaptureFacts {
        var facts = CaptureFacts()
        let fm = FileManager.default
        if case .filesystem(let directory)? = node.identity?.source,
            let names = try? fm.contentsOfDirectory(atPath: node.resolvedPath(directory))
        {
            facts.keyIDs = names.filter { $0.hasSuffix("_private.pem") }.map { String($0.dropLast("_private.pem".count)) }.sorted()
        }
        if node.profile == .nuts, let datadir = node.datadir, let data = fm.contents(atPath: datadir + "/vcr/trusted_issuers.yaml") {
            facts.trustedIssuers = String(decoding: data, as: UTF8.self)
        }
        return facts
    }

    /// What differs from `recorded` (either reading of the bracket matches), empty when nothing does.
    func differences(from recorded: [CaptureFacts]) -> [String] {
        guard !recorded.isEmpty, !recorded.contains(self) else { return [] }
        var out: [String] = []
        if let keys = recorded.compactMap(\.keyIDs).first, !recorded.contains(where: { $0.keyIDs == keyIDs }) {
            let now = Set(keyIDs ?? [])
            let missing = keys.filter { !now.contains($0) }
            let extra = now.subtracting(keys).sorted()
            out.append(
                "key ids: "
                    + (missing.isEmpty ? "" : "missing \(missing.joined(separator: ", "))")
                    + (missing.isEmpty || extra.isEmpty ? "" : "; ")
                    + (extra.isEmpty ? "" : "not in the backup \(extra.joined(separator: ", "))"))
        }
        if recorded.contains(where: { $0.trustedIssuers != nil }), !recorded.contains(where: { $0.trustedIssuers == trustedIssuers }) {
            out.append(
                trustedIssuers == nil
                    ? "vcr/trusted_issuers.yaml: missing, the backup had one" : "vcr/trusted_issuers.yaml: differs from the backup's")
        }
        return out
    }
}
