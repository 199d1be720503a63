import Foundation

/// The rules the restore runbook's verify step judges a restored node's diagnostics by,
/// against the two readings that bracket the backup's capture (``RecordedDiagnostics``).
///
/// A node that is written to keeps moving after its restore, so only some values can be
/// compared, and not all at any time:
///
/// - **tolerated** — what a running node changes on its own: `uptime`, peers
///   (`connected_peers`, `connected_peers_count`, `peer_id`), `certificates_last_validated`,
///   `stored_database_size_bytes`, `failed_events`, `payload_fetch_dlq`,
///   `conflicted_did_documents`, and the software (`software_version`, `git_commit`, `os_arch`).
/// - **store counts** — every other number read from the restored stores
///   (`transaction_count`, `did_documents_count`, a store's `rows`, …). They only grow, so
///   the first reading of the restored node must be at least the count before the capture: a
///   smaller one means the node came up on older data than the backup's.
/// - **rebuilt counts** — counts of indexes the node rebuilds after a restore
///   (`credential_count`, `revocation_count`, `revocations_count`): waited for until they reach
///   the count before the capture.
/// - **heads** — `dag_xor`, `content_hash` and a store's `sha256`, which move whenever the node
///   writes. When the first reading's counts beside a head (its store counts in the same object;
///   for `content_hash` every store count) equal one of the two recorded readings, the head
///   must equal that reading's: then the node is proven to have started from the captured
///   state. `dag_xor` covers an append-only DAG, so a different head at the
///   `transaction_count` before the capture fails (the captured count is at least that, so
///   the node came up there and has not written since); at the count after the capture the
///   node may have come up lower and written transactions of its own. Other heads can change
///   without their counts (an updated document), so they prove or are noted as moved on,
///   never fail.
/// - **equal** — everything else (strings, booleans: `node_did`, `participant_id`, a
///   reprocess `done`, a file's `sha256` with no `rows` beside it): waited for until equal to
///   one of the recorded readings.
struct DiagnosticsComparison: Sendable {
    /// How a leaf is compared.
    enum Kind: Equatable, Sendable {
        case tolerated, storeCount, rebuiltCount, head, equal
    }

    /// What the first reading of the restored node shows.
    struct FirstReading: Sendable, Equatable {
        /// Values that prove another state than the captured one (the verify step fails).
        var failures: [String] = []
        /// Heads equal to the captured state's, with their counts.
        var proven: [String] = []
        /// Heads the node had already moved past (it wrote before the first reading).
        var movedOn: [String] = []
    }

    static let toleratedNames: Set<String> = [
        "uptime", "connected_peers", "connected_peers_count", "peer_id", "certificates_last_validated",
        "stored_database_size_bytes", "failed_events", "payload_fetch_dlq", "conflicted_did_documents", "software_version",
        "git_commit", "os_arch",
    ]
    static let rebuiltNames: Set<String> = ["credential_count", "revocation_count", "revocations_count"]
    static let headNames: Set<String> = ["dag_xor", "content_hash", "sha256"]
    /// Heads over append-only data: a different head at the captured count is another state.
    static let appendOnlyHeads: Set<String> = ["dag_xor"]

    /// The reading before the capture, as leaves.
    let low: [String: JSONValue]
    /// The reading after the capture, as leaves; nil when unknown.
    let high: [String: JSONValue]?

    init(low: JSONValue, high: JSONValue?) {
        var l: [String: JSONValue] = [:]
        low.leaves(into: &l)
        self.low = l
        if let high {
            var h: [String: JSONValue] = [:]
            high.leaves(into: &h)
            self.high = h
        } else {
            self.high = nil
        }
    }

    init(_ record: RecordedDiagnostics) {
        self.init(low: record.low, high: record.high)
    }

    /// The path's components without array indexes: `a.b[0].c` → `a`, `b`, `c`.
    static func names(_ key: String) -> [String] {
        key.split(separator: ".").map { part in String(part.prefix { $0 != "[" }) }
    }

    /// The object path a leaf sits in (`network.state` for `network.state.dag_xor`), "" at the top.
    static func parent(_ key: String) -> String {
        guard let dot = key.lastIndex(of: ".") else { return "" }
        return String(key[..<dot])
    }

    /// How the leaf at `key` with the recorded `value` is compared.
    static func kind(_ key: String, value: JSONValue) -> Kind {
        let names = names(key)
        if names.contains(where: toleratedNames.contains) { return .tolerated }
        let last = names.last ?? key
        if case .number = value { return rebuiltNames.contains(last) ? .rebuiltCount : .storeCount }
        if headNames.contains(last), case .string = value { return .head }
        return .equal
    }

    /// How the recorded leaf at `key` is compared here: a head with no count to judge it by
    /// (a file's `sha256` beside no `rows`) must be equal.
    func kind(of key: String) -> Kind {
        guard let value = low[key] else { return .equal }
        let kind = Self.kind(key, value: value)
        return kind == .head && witnesses(of: key).isEmpty ? .equal : kind
    }

    /// The store counts a head is judged with: those in its own object, else every one.
    func witnesses(of key: String) -> [String] {
        let counts = low.filter { Self.kind($0.key, value: $0.value) == .storeCount }.map(\.key)
        let parent = Self.parent(key)
        let siblings = counts.filter { Self.parent($0) == parent }
        return (siblings.isEmpty && parent.isEmpty ? counts : siblings).sorted()
    }

    /// Judges the restored node's first reading: store counts below the capture and heads.
    func firstReading(_ reading: JSONValue) -> FirstReading {
        var now: [String: JSONValue] = [:]
        reading.leaves(into: &now)
        var out = FirstReading()
        for (key, old) in low.sorted(by: { $0.key < $1.key }) {
            switch kind(of: key) {
            case .storeCount:
                guard case .number(let captured) = old else { continue }
                if case .number(let value)? = now[key], value < captured {
                    out.failures.append(
                        "\(key): \(JSONValue.number(value).text) when the restored node first answered, below the \(old.text) before the capture (the node came up on older data than the backup's)"
                    )
                }
            case .head:
                let witnesses = witnesses(of: key)
                guard let value = now[key] else { continue }
                let counts = witnesses.map { "\($0) \(now[$0]?.text ?? "missing")" }.joined(separator: ", ")
                let readings = [low] + (high.map { [$0] } ?? [])
                let atCapture = readings.filter { recorded in witnesses.allSatisfy { now[$0] == recorded[$0] } }
                // The captured state's counts are at least those before the capture, so counts
                // equal to those mean the node came up at that state and has not written since;
                // at the counts after the capture it may have come up lower and written its own.
                let atLow = witnesses.allSatisfy { now[$0] == low[$0] }
                if atCapture.contains(where: { $0[key] == value }) {
                    out.proven.append("\(key) as captured (\(counts))")
                } else if atLow, let had = low[key], Self.appendOnlyHeads.contains(Self.names(key).last ?? "") {
                    out.failures.append(
                        "\(key): \(value.text) with \(counts) as before the capture, the backup had \(had.text) (another DAG)")
                } else {
                    out.movedOn.append("\(key) (\(counts))")
                }
            default:
                continue
            }
        }
        return out
    }

    /// What still keeps a later reading from matching: rebuilt counts below the capture, store
    /// counts below it, equal values that differ from both readings, and missing values.
    func pending(_ reading: JSONValue) -> [String] {
        var now: [String: JSONValue] = [:]
        reading.leaves(into: &now)
        var out: [String] = []
        for (key, old) in low.sorted(by: { $0.key < $1.key }) {
            let kind = kind(of: key)
            if kind == .tolerated || kind == .head { continue }
            guard let value = now[key] else {
                out.append("\(key): missing (backup had \(old.text))")
                continue
            }
            switch kind {
            case .storeCount, .rebuiltCount:
                if case .number(let captured) = old, case .number(let current) = value, current >= captured { continue }
                out.append("\(key): \(value.text), at least \(old.text) before the capture")
            default:
                if value == old || high?[key] == value { continue }
                let had = [old.text] + (high?[key].flatMap { $0 == old ? nil : $0.text }.map { [$0] } ?? [])
                out.append("\(key): \(value.text), backup had \(had.joined(separator: " or "))")
            }
        }
        return out
    }
}
