import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatRepository

/// Fencing: a restored identity must not run twice. Before the node is touched the check step
/// asks the original node (where the backup was taken, and any address the operator names)
/// whether it still presents the identity being restored; once the keys are in place a
/// fencing token is issued for the identity (one higher than the last) and written beside the
/// datadir, so the doctor can tell the stale holder of the same keys from the current one.
extension NodeRestoreRunbook {
    /// What the check step found out about the identity being restored.
    struct FencingPlan: Sendable, Hashable {
        /// The identity dump's fingerprint.
        var fingerprint: String
        /// The dump's name.
        var dump: String
        /// The identifiers the identity presents itself with (see ``identityMarkers(_:)``).
        var markers: [String]
        /// The original's addresses that were asked.
        var originals: [String]
        /// The addresses that still answered with the identity, with what matched.
        var answering: [String: [String]]
    }

    /// The file beside the node's data that names the fencing token it holds.
    static let fenceFile = ".lifeboat-fence.json"

    /// The identifiers a node presents that come from its keys: DID URLs (`did:nuts:…#…`) and
    /// the DIDs they belong to, other key ids in the same form, a Canton participant id and
    /// its namespace (`::1220…`, shared by every identifier under the same keys). Only
    /// identifiers with a colon: a bare name like `key-1` says nothing about whose key it is.
    static func identityMarkers(_ document: IdentityDumpDocument) -> [String] {
        var out = Set<String>()
        for key in document.keys {
            for id in [key.name, key.keyID].compactMap({ $0 }) where id.contains(":") {
                out.insert(id)
                if id.hasPrefix("did:"), let hash = id.firstIndex(of: "#") { out.insert(String(id[..<hash])) }
            }
        }
        if let id = document.cantonID {
            out.insert(id)
            if let separator = id.range(of: "::", options: .backwards), !id[separator.upperBound...].isEmpty {
                out.insert("::" + id[separator.upperBound...])
            }
        }
        return out.sorted()
    }

    /// The markers a diagnostics document presents: every string leaf equal to a marker (or,
    /// for a namespace marker `::…`, ending in it).
    static func presented(_ markers: [String], in diagnostics: JSONValue) -> [String] {
        var leaves: [String: JSONValue] = [:]
        diagnostics.leaves(into: &leaves)
        let strings = Set(leaves.values.compactMap { value -> String? in if case .string(let s) = value { s } else { nil } })
        return markers.filter { marker in
            marker.hasPrefix("::") ? strings.contains { $0.hasSuffix(marker) } : strings.contains(marker)
        }
    }

    /// Where the original node answers: the address the operator named, and the control URL
    /// recorded with the state backup, less this node's own (the runbook stops that one itself).
    func originalAddresses(_ record: SnapshotRecord) async -> [String] {
        var out: [String] = []
        if let named = request.original?.trimmingCharacters(in: .whitespaces), !named.isEmpty { out.append(named) }
        if let recorded = await Self.recordedURL(record, repository: repository, datadir: node.datadir) { out.append(recorded) }
        let own = node.control?.url.map(Self.normalized)
        var seen = Set<String>()
        return out.filter { url in
            let key = Self.normalized(url)
            return key != own && seen.insert(key).inserted
        }
    }

    static func normalized(_ url: String) -> String {
        var text = url.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// The control URL the backup's diagnostics record names, nil when it has none.
    static func recordedURL(_ record: SnapshotRecord, repository: Repository, datadir: String?) async -> String? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var candidates = [DiagnosticsCapture.recordPath]
        if let datadir {
            candidates.append(String(datadir.drop { $0 == "/" }) + "/" + DiagnosticsCapture.recordPath)
        }
        if let root = commonDirectory(record.snapshot.paths) {
            candidates.append(String(root.drop { $0 == "/" }) + "/" + DiagnosticsCapture.recordPath)
        }
        for path in candidates {
            if let bytes = try? await repository.readSmallFile(record, path: path, limit: 1 << 20),
                let recorded = try? decoder.decode(RecordedDiagnostics.self, from: Data(bytes))
            {
                return recorded.url
            }
        }
        return nil
    }

    /// The deepest directory holding every path, nil for none.
    static func commonDirectory(_ paths: [String]) -> String? {
        guard let first = paths.first else { return nil }
        var parts = (first as NSString).deletingLastPathComponent.split(separator: "/", omittingEmptySubsequences: false)
        for path in paths.dropFirst() {
            let other = (path as NSString).deletingLastPathComponent.split(separator: "/", omittingEmptySubsequences: false)
            parts = Array(zip(parts, other).prefix { $0 == $1 }.map(\.0))
        }
        let joined = parts.joined(separator: "/")
        return joined.isEmpty ? nil : joined
    }

    /// The check step's fencing check: nil without an identity dump; throws when the original
    /// still answers with the identity, unless the request says it has been stopped.
    func checkFencing(_ record: SnapshotRecord) async throws -> FencingPlan? {
        guard let reference = request.identityDump, let file = request.identityFile else { return nil }
        let document = try await IdentityDumps.open(reference, repository: repository, node: node.name, identityFile: file)
        let markers = Self.identityMarkers(document)
        let originals = await originalAddresses(record)
        var answering: [String: [String]] = [:]
        if !markers.isEmpty {
            for url in originals {
                guard let diagnostics = try? await NodeClient(base: Self.trimmedURL(url)).diagnostics() else { continue }
                let matched = Self.presented(markers, in: diagnostics)
                if !matched.isEmpty { answering[url] = matched }
            }
        }
        if !answering.isEmpty && !request.iHaveStoppedTheOriginal {
            let where_ = answering.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.prefix(3).joined(separator: ", ")))" }
            throw LifeboatError(
                .locked,
                "the original node still answers with the identity being restored at \(where_.joined(separator: "; ")): two nodes with the same keys would both sign as it; stop the original first, or pass --i-have-stopped-the-original if it can no longer act"
            )
        }
        return FencingPlan(
            fingerprint: document.fingerprint, dump: document.name, markers: markers, originals: originals, answering: answering)
    }

    static func trimmedURL(_ url: String) -> String {
        var text = url.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// What the check step says about fencing.
    static func fencingNote(_ plan: FencingPlan) -> String? {
        if !plan.answering.isEmpty {
            return
                "WARNING: \(plan.answering.keys.sorted().joined(separator: ", ")) still answers with the identity; going ahead as --i-have-stopped-the-original says"
        }
        if plan.originals.isEmpty { return nil }
        return "the original (\(plan.originals.joined(separator: ", "))) does not answer with the identity"
    }

    /// Issues the fencing token once the keys are in place and writes it beside the datadir's
    /// entries (`.lifeboat-fence.json`); the token's text for the step's message.
    func issueFence(_ plan: FencingPlan, job: JobID, datadir: String) async throws -> String {
        guard let catalog else { return "no catalog: no fencing token issued" }
        let fence = try await catalog.issueFence(
            Fence(
                fingerprint: plan.fingerprint, node: node.name, job: job, dump: plan.dump, markers: plan.markers,
                originals: plan.originals, overridden: !plan.answering.isEmpty, issuedAt: Date()))
        try FenceFile(fence).write(datadir: datadir)
        return "fencing token \(fence.token) issued for identity \(plan.fingerprint.prefix(12))"
    }
}

/// `.lifeboat-fence.json` in a node's datadir: the fencing token its keys were restored with.
public struct FenceFile: Codable, Sendable, Hashable {
    public var fingerprint: String
    public var token: Int64
    public var node: String
    public var job: Int64
    public var issuedAt: Date

    enum CodingKeys: String, CodingKey {
        case fingerprint, token, node, job
        case issuedAt = "issued_at"
    }

    init(_ fence: Fence) {
        fingerprint = fence.fingerprint
        token = fence.token
        node = fence.node
        job = fence.job.rawValue
        issuedAt = fence.issuedAt
    }

    /// Writes the file atomically (0644: it holds no secret).
    func write(datadir: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let path = datadir + "/" + NodeRestoreRunbook.fenceFile
        do {
            try (try encoder.encode(self) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LifeboatError(.io, "cannot write the fencing token to \(path): \(error.localizedDescription)", cause: error)
        }
    }

    /// The file in `datadir`, nil when there is none or it cannot be read.
    public static func read(datadir: String) -> FenceFile? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = FileManager.default.contents(atPath: datadir + "/" + NodeRestoreRunbook.fenceFile) else { return nil }
        return try? decoder.decode(FenceFile.self, from: data)
    }
}
