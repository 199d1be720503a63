import Foundation
import Testing

@testable import LifeboatJobs

/// The verify step's rules: what must equal the captured state, what may only grow from it,
/// and what a running node changes on its own.
@Suite struct DiagnosticsComparisonTests {
    /// A Nuts-shaped diagnostics document.
    static func nuts(
        transactions: Int, xor: String, documents: Int = 10, credentials: Int = 5, uptime: Int = 1_000, peers: Int = 2,
        didSHA: String = "d1", nodeDID: String = "did:nuts:abc", done: Bool = true
    ) -> JSONValue {
        .object([
            "status": .object(["uptime": .number(Double(uptime)), "software_version": .string("v5.4.9")]),
            "network": .object([
                "connections": .object([
                    "connected_peers_count": .number(Double(peers)),
                    "connected_peers": .array((0..<peers).map { .object(["id": .string("peer-\($0)")]) }),
                ]),
                "state": .object([
                    "transaction_count": .number(Double(transactions)), "dag_xor": .string(xor),
                    "stored_database_size_bytes": .number(Double(transactions * 100)),
                ]),
                "node_did": .string(nodeDID),
            ]),
            "vcr": .object(["credential_count": .number(Double(credentials))]),
            "vdr": .object(["did_documents_count": .number(Double(documents))]),
            "stores": .object(["vdr/didstore.db": .object(["rows": .number(Double(documents)), "sha256": .string(didSHA)])]),
            "reprocess": .object(["done": .bool(done)]),
        ])
    }

    @Test func valuesAreSortedIntoTheirKinds() {
        #expect(DiagnosticsComparison.kind("status.uptime", value: .number(1)) == .tolerated)
        #expect(DiagnosticsComparison.kind("network.connections.connected_peers[0].id", value: .string("p")) == .tolerated)
        #expect(DiagnosticsComparison.kind("network.connections.connected_peers_count", value: .number(3)) == .tolerated)
        #expect(DiagnosticsComparison.kind("network.state.transaction_count", value: .number(3)) == .storeCount)
        #expect(DiagnosticsComparison.kind("vcr.credential_count", value: .number(3)) == .rebuiltCount)
        #expect(DiagnosticsComparison.kind("network.state.dag_xor", value: .string("ab")) == .head)
        #expect(DiagnosticsComparison.kind("network.node_did", value: .string("did:nuts:x")) == .equal)
    }

    @Test func aRestoredNodeAtTheCaptureIsProven() {
        let captured = Self.nuts(transactions: 100, xor: "x100")
        let comparison = DiagnosticsComparison(low: captured, high: captured)
        // Restarted: uptime back near zero, other peers, a smaller file — all tolerated.
        let restored = Self.nuts(transactions: 100, xor: "x100", uptime: 2, peers: 0)
        let verdict = comparison.firstReading(restored)
        #expect(verdict.failures.isEmpty)
        #expect(verdict.proven.contains { $0.hasPrefix("network.state.dag_xor as captured") }, "\(verdict)")
        #expect(comparison.pending(restored).isEmpty)
    }

    @Test func aCountBelowTheCaptureFailsAtOnceNamingIt() {
        let comparison = DiagnosticsComparison(
            low: Self.nuts(transactions: 100, xor: "x100"), high: Self.nuts(transactions: 104, xor: "x104"))
        let verdict = comparison.firstReading(Self.nuts(transactions: 97, xor: "x97"))
        #expect(verdict.failures.count == 1)
        #expect(verdict.failures.first?.hasPrefix("network.state.transaction_count: 97 when the restored node first answered") == true)
    }

    @Test func anotherDAGAtTheCapturedCountFails() {
        let comparison = DiagnosticsComparison(
            low: Self.nuts(transactions: 100, xor: "x100"), high: Self.nuts(transactions: 104, xor: "x104"))
        let same = comparison.firstReading(Self.nuts(transactions: 104, xor: "x104"))
        #expect(same.failures.isEmpty, "\(same)")
        #expect(same.proven.contains { $0.hasPrefix("network.state.dag_xor as captured (network.state.transaction_count 104)") }, "\(same)")
        // At the count before the capture the node came up there and wrote nothing: another head is another DAG.
        let other = comparison.firstReading(Self.nuts(transactions: 100, xor: "forged"))
        #expect(
            other.failures == [
                "network.state.dag_xor: forged with network.state.transaction_count 100 as before the capture, the backup had x100 (another DAG)"
            ])
        // At the count after it, the node may have come up at 102 and written two of its own.
        let own = comparison.firstReading(Self.nuts(transactions: 104, xor: "own"))
        #expect(own.failures.isEmpty && own.movedOn.contains { $0.hasPrefix("network.state.dag_xor") }, "\(own)")
    }

    @Test func aNodeThatWroteOnIsNotedNotFailed() {
        let comparison = DiagnosticsComparison(
            low: Self.nuts(transactions: 100, xor: "x100"), high: Self.nuts(transactions: 104, xor: "x104"))
        // Between the two readings, or past them: the head cannot be compared, the count is above the capture.
        for count in [102, 110] {
            let verdict = comparison.firstReading(Self.nuts(transactions: count, xor: "x\(count)", documents: 12))
            #expect(verdict.failures.isEmpty, "\(verdict)")
            #expect(verdict.movedOn.contains { $0.hasPrefix("network.state.dag_xor") }, "\(verdict)")
        }
        // A document updated in place changes its store's hash without its rows: noted, not failed.
        let updated = comparison.firstReading(Self.nuts(transactions: 100, xor: "x100", didSHA: "d2"))
        #expect(updated.failures.isEmpty)
        #expect(updated.movedOn.contains { $0.hasPrefix("stores.vdr/didstore.db.sha256") }, "\(updated)")
    }

    @Test func rebuiltCountsAndEqualValuesAreWaitedFor() {
        let captured = Self.nuts(transactions: 100, xor: "x100", credentials: 5)
        let comparison = DiagnosticsComparison(low: captured, high: captured)
        // Before reprocessing: the index is empty — not a failure of the first reading, but pending.
        let reprocessing = Self.nuts(transactions: 100, xor: "x100", credentials: 0, done: false)
        #expect(comparison.firstReading(reprocessing).failures.isEmpty)
        #expect(
            comparison.pending(reprocessing) == [
                "reprocess.done: false, backup had true", "vcr.credential_count: 0, at least 5 before the capture",
            ])
        // Grown past the capture by the writer: matches.
        #expect(comparison.pending(Self.nuts(transactions: 130, xor: "x130", documents: 14, credentials: 9)).isEmpty)
        // Another node DID is never tolerated.
        #expect(
            comparison.pending(Self.nuts(transactions: 100, xor: "x100", nodeDID: "did:nuts:other")) == [
                "network.node_did: did:nuts:other, backup had did:nuts:abc"
            ])
    }

    @Test func aValueThatChangedDuringTheCaptureMayEqualEitherReading() {
        let comparison = DiagnosticsComparison(
            low: Self.nuts(transactions: 100, xor: "x100", done: false), high: Self.nuts(transactions: 100, xor: "x100", done: true))
        #expect(comparison.pending(Self.nuts(transactions: 100, xor: "x100", done: false)).isEmpty)
        #expect(comparison.pending(Self.nuts(transactions: 100, xor: "x100", done: true)).isEmpty)
    }

    @Test func anOlderSnapshotsRecordStillDecodesAsAnExactOne() throws {
        let old =
            #"{"capturedAt": "2026-11-02T10:00:00Z", "url": "http://127.0.0.1:1323", "diagnostics": {"network": {"state": {"transaction_count": 7}}}}"#
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let record = try decoder.decode(RecordedDiagnostics.self, from: Data(old.utf8))
        #expect(record.format == nil && record.high == record.low)
        let comparison = DiagnosticsComparison(record)
        #expect(
            comparison.firstReading(.object(["network": .object(["state": .object(["transaction_count": .number(6)])])])).failures.count
                == 1)
        #expect(comparison.pending(.object(["network": .object(["state": .object(["transaction_count": .number(9)])])])).isEmpty)
    }

    @Test func keyIdsAndTrustedIssuersMustBeTheCaptures() {
        let captured = CaptureFacts(keyIDs: ["k1", "k2"], trustedIssuers: "NutsOrganizationCredential:\n  - did:nuts:a\n")
        #expect(captured.differences(from: [captured]).isEmpty)
        let lost = CaptureFacts(keyIDs: ["k2", "k3"], trustedIssuers: nil)
        #expect(
            lost.differences(from: [captured]) == [
                "key ids: missing k1; not in the backup k3", "vcr/trusted_issuers.yaml: missing, the backup had one",
            ])
        // Either end of the bracket will do.
        let later = CaptureFacts(keyIDs: ["k1", "k2", "k3"], trustedIssuers: captured.trustedIssuers)
        #expect(later.differences(from: [captured, later]).isEmpty)
    }
}

extension DiagnosticsComparisonTests {
    @Test func aFilesHashWithNoCountBesideItMustBeEqual() {
        let captured = JSONValue.object(["stores": .object(["vcr/trusted_issuers.yaml": .object(["sha256": .string("t1")])])])
        let comparison = DiagnosticsComparison(low: captured, high: captured)
        #expect(comparison.kind(of: "stores.vcr/trusted_issuers.yaml.sha256") == .equal)
        let other = JSONValue.object(["stores": .object(["vcr/trusted_issuers.yaml": .object(["sha256": .string("t2")])])])
        #expect(comparison.pending(other) == ["stores.vcr/trusted_issuers.yaml.sha256: t2, backup had t1"])
    }
}
