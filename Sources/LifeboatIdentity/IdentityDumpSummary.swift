import Foundation
import LifeboatCore
import LifeboatRepository

/// One stored identity dump as listings show it: no secret, only names, counts and public fingerprints.
public struct IdentityDumpSummary: Codable, Sendable, Hashable {
    /// `<node>-iddump-<UTC timestamp>`.
    public var name: String
    /// The node.
    public var node: String
    /// When the dump was taken.
    public var created: Date
    /// How many keys it holds.
    public var keyCount: Int
    /// SHA-256 (hex) over the public parts of all keys (see ``IdentityDumpDocument/fingerprint``).
    public var fingerprint: String
    /// `fs`, `vault` or `canton`.
    public var sourceType: String
    /// The snapshot holding it (full hex id).
    public var snapshotID: String

    /// The tag that marks a snapshot as an identity dump.
    static let marker = "iddump"

    /// The snapshot tags that carry this summary, so listings need not read the snapshot's files.
    var tags: [String] {
        [Self.marker, "name:\(name)", "keys:\(keyCount)", "fingerprint:\(fingerprint)", "source:\(sourceType)"]
    }

    /// Creates a summary.
    init(
        name: String, node: String, created: Date, keyCount: Int, fingerprint: String, sourceType: String, snapshotID: String
    ) {
        self.name = name
        self.node = node
        self.created = created
        self.keyCount = keyCount
        self.fingerprint = fingerprint
        self.sourceType = sourceType
        self.snapshotID = snapshotID
    }

    /// The summary of an identity snapshot written by ``IdentityDumper``, or nil for any other snapshot.
    init?(_ record: SnapshotRecord) {
        let snapshot = record.snapshot
        guard snapshot.kind == .identity, snapshot.tags.contains(Self.marker), let node = snapshot.node else { return nil }
        var values: [String: String] = [:]
        for tag in snapshot.tags {
            guard let colon = tag.firstIndex(of: ":") else { continue }
            values[String(tag[..<colon])] = String(tag[tag.index(after: colon)...])
        }
        guard let name = values["name"], let keys = values["keys"].flatMap({ Int($0) }), let fingerprint = values["fingerprint"]
        else { return nil }
        self.init(
            name: name, node: node, created: snapshot.time, keyCount: keys, fingerprint: fingerprint,
            sourceType: values["source"] ?? "", snapshotID: record.id.hex)
    }

    /// The dump name for `node` at `date`: `<node>-iddump-20261122T031500Z`.
    public static func name(node: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(node)-iddump-\(formatter.string(from: date))"
    }
}
