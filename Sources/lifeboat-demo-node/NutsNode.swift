import Foundation
import Hummingbird
import LifeboatShelf

/// The Nuts profile: a datadir with the version's stores, side files and keys, a write
/// workload, the diagnostics document and the reprocess endpoint.
final class NutsNode: Sendable {
    /// The node's datadir.
    let datadir: String
    /// The stores.
    let stores: NutsStores
    /// Reprocess calls and what a restore still needs.
    let reprocessor: Reprocessor
    /// The write workload.
    let workload: Workload
    /// Bytes of random payload per transaction.
    let payloadBytes: Int

    /// Prepares the datadir, opens the stores and seeds `seedTransactions` when the network is empty.
    init(datadir: String, version: NutsVersion, format: StoreFormat, workload: Workload, payloadBytes: Int, seedTransactions: Int) throws {
        self.datadir = datadir
        self.workload = workload
        self.payloadBytes = payloadBytes
        let restored = NutsDatadir.looksRestored(datadir)
        try NutsDatadir.prepare(datadir)
        stores = try NutsStores(datadir: datadir, version: version, format: format)
        if try stores.transactionCount() == 0 {
            for tick in 0..<seedTransactions { try stores.write(tick: tick, payloadBytes: payloadBytes) }
        }
        reprocessor = try Reprocessor(datadir: datadir, stores: stores, restored: restored)
        // A restored node writes on as any node does; a restore is checked against the state it started from.
        if restored { say("restored datadir: started from the restored stores") }
    }

    /// One workload step.
    func write(tick: Int) throws {
        try stores.write(tick: tick, payloadBytes: payloadBytes)
    }

    /// The diagnostics document: Nuts-style counts, per-store digests and one content hash over
    /// everything a restore must reproduce (the version's restored stores and the trusted issuers).
    func diagnostics() throws -> [String: Any] {
        var digests: [String: Any] = [:]
        var hashes: [String: String] = [:]
        for path in stores.version.restoredStores {
            guard let digest = try stores.digest(path) else { continue }
            digests[path] = ["rows": digest.rows, "sha256": digest.sha256]
            hashes[path] = digest.sha256
        }
        let issuers = StoreDigest.file(datadir + "/vcr/trusted_issuers.yaml")
        digests["vcr/trusted_issuers.yaml"] = ["sha256": issuers]
        hashes["vcr/trusted_issuers.yaml"] = issuers
        let transactions = (digests["network/data.db"] as? [String: Any])?["rows"] as? Int ?? 0
        let documents = (digests["vdr/didstore.db"] as? [String: Any])?["rows"] as? Int ?? 0
        let size = (try? FileManager.default.attributesOfItem(atPath: datadir + "/network/data.db"))?[.size] as? Int ?? 0
        return [
            "profile": "nuts",
            "nuts_version": stores.version.rawValue,
            "status": NodeRuntime.status(softwareVersion: "v\(stores.version.rawValue).0-demo"),
            "network": [
                "node_did": NutsDatadir.nodeDID(datadir) ?? "",
                "connections": NodeRuntime.connections(),
                "state": [
                    "transaction_count": transactions, "dag_xor": try stores.dagXor(), "dag_lc_high": max(0, transactions - 1),
                    "failed_events": 0, "stored_database_size_bytes": size,
                ],
            ],
            "vcr": [
                "credential_count": try stores.indexedCount(type: NutsVersion.credentialType),
                "revocation_count": try stores.indexedCount(type: NutsVersion.revocationType),
            ],
            "vdr": ["did_documents_count": documents, "conflicted_did_documents": ["total_count": 0, "owned_count": 0]],
            "stores": digests,
            "content_hash": StoreDigest.combine(hashes),
            "reprocess": reprocessor.status(),
        ]
    }

    /// Adds the Nuts endpoints.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/internal/demo/v1/state") { _, _ in
            Reply.json(["reprocess": self.reprocessor.details(), "workload": self.workload.status()])
        }
        router.post("/internal/network/v1/reprocess") { request, _ -> Response in
            let (status, body) = self.reprocessor.handle(rawQuery: request.uri.query)
            return status == 202
                ? Response(status: .accepted) : Reply.text(body, status: .badRequest).withProblemType()
        }
    }
}

extension Response {
    /// The same response marked as `application/problem+json`.
    func withProblemType() -> Response {
        var copy = self
        copy.headers[.contentType] = "application/problem+json"
        return copy
    }
}
