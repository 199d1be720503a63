import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore

/// The doctor's fencing checks: one identity must be presented by one node.
extension Doctor {
    /// Nodes that present the same keys: the same key ids in their datadirs, or the same
    /// node DID / participant id in their diagnostics; a datadir whose fencing token is older
    /// than the last issued for its identity; an original that still answers with an identity
    /// restored elsewhere.
    static func identities(_ daemon: Daemon, nodes checked: [NodeConfiguration]) async throws -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        let all = daemon.configuration.nodes
        let checkedNames = Set(checked.map(\.name))

        // Key ids in the datadirs, and identifiers the running nodes present.
        var keys: [String: Set<String>] = [:]
        var presented: [String: Set<String>] = [:]
        for node in all {
            if let ids = CaptureFacts.read(node).keyIDs, !ids.isEmpty { keys[node.name] = Set(ids) }
            if let url = node.control?.url, let diagnostics = try? await NodeClient(base: NodeRestoreRunbook.trimmedURL(url)).diagnostics()
            {
                let ids = Self.presentedIdentifiers(diagnostics)
                if !ids.isEmpty { presented[node.name] = ids }
            }
        }
        for (i, a) in all.enumerated() {
            for b in all.dropFirst(i + 1) where checkedNames.contains(a.name) || checkedNames.contains(b.name) {
                let sharedKeys = (keys[a.name] ?? []).intersection(keys[b.name] ?? []).sorted()
                let sharedIDs = (presented[a.name] ?? []).intersection(presented[b.name] ?? []).sorted()
                guard !sharedKeys.isEmpty || !sharedIDs.isEmpty else { continue }
                var what: [String] = []
                if !sharedKeys.isEmpty { what.append("key ids \(sharedKeys.prefix(3).joined(separator: ", "))") }
                if !sharedIDs.isEmpty { what.append("identity \(sharedIDs.prefix(3).joined(separator: ", ")) in their diagnostics") }
                findings.append(
                    DoctorFinding(
                        .error, node: a.name, check: "identity-shared",
                        message: "nodes \(a.name) and \(b.name) present the same identity: \(what.joined(separator: "; "))",
                        remedy:
                            "Two nodes with the same private keys both sign as one: stop the one that must not run (the original of a restore, or a copy), and give it new keys before it starts again; the fencing tokens (`.lifeboat-fence.json` in each datadir) say which one was restored last."
                    ))
            }
        }

        let latest = try await daemon.catalog.latestFences()
        // A datadir holding an older token than the last issued for its identity.
        for node in checked {
            guard let datadir = node.datadir, let file = FenceFile.read(datadir: datadir), let last = latest[file.fingerprint],
                last.token > file.token
            else { continue }
            findings.append(
                DoctorFinding(
                    .error, node: node.name, check: "identity-fenced",
                    message:
                        "the datadir of node \(node.name) holds fencing token \(file.token) of identity \(file.fingerprint.prefix(12)); token \(last.token) was issued since, to node \(last.node) by job \(last.job): \(node.name)'s keys are the stale copy",
                    remedy:
                        "Do not run \(node.name) with these keys: stop it and give it new keys, or restore it again from its own identity dump if it is the node that should hold the identity."
                ))
        }
        // An original still presenting an identity restored elsewhere.
        for fence in latest.values where checkedNames.contains(fence.node) {
            let own = all.first { $0.name == fence.node }?.control?.url.map(NodeRestoreRunbook.normalized)
            for url in fence.originals where NodeRestoreRunbook.normalized(url) != own {
                guard let diagnostics = try? await NodeClient(base: NodeRestoreRunbook.trimmedURL(url)).diagnostics() else { continue }
                let matched = NodeRestoreRunbook.presented(fence.markers, in: diagnostics)
                guard !matched.isEmpty else { continue }
                findings.append(
                    DoctorFinding(
                        .error, node: fence.node, check: "identity-twin",
                        message:
                            "the identity restored to node \(fence.node) by job \(fence.job) (fencing token \(fence.token)) is still presented by the original at \(url): \(matched.prefix(3).joined(separator: ", "))",
                        remedy:
                            "Stop the original node at \(url) now and keep it stopped (or give it new keys): two nodes signing with one identity conflict on the network."
                    ))
            }
        }
        return findings
    }

    /// The identifiers a node presents in its diagnostics that come from its keys: a Nuts node's
    /// `node_did`, a Canton participant's `participant_id` (and its namespace).
    static func presentedIdentifiers(_ diagnostics: JSONValue) -> Set<String> {
        var leaves: [String: JSONValue] = [:]
        diagnostics.leaves(into: &leaves)
        var out = Set<String>()
        for (path, value) in leaves {
            guard case .string(let text) = value, !text.isEmpty else { continue }
            let name = path.split(separator: ".").last.map(String.init) ?? path
            if name == "node_did" { out.insert(text) }
            if name == "participant_id" {
                out.insert(text)
                if let separator = text.range(of: "::", options: .backwards) { out.insert("::" + text[separator.upperBound...]) }
            }
        }
        return out
    }
}
