import Foundation
import LifeboatCore
import LifeboatJobs
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The demo node with `--store-format bbolt`: its store files are BBolt by an independent
/// reading (``BBoltProbe``) and by Lifeboat's own detection, hold what its diagnostics
/// count, survive a `kill -9` under write load, and a node started on its shelf's copies
/// serves the diagnostics it had.
@Suite struct BBoltStoreTests {
    static let stores5_4 = [
        "network/data.db", "vcr/backup-credentials.db", "vcr/backup-issued-credentials.db", "vcr/backup-revoked-credentials.db",
        "vdr/didstore.db",
    ]

    @Test func storeFilesAreBBoltHoldingWhatDiagnosticsCount() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-bbolt")
        defer { dir.remove() }
        let datadir = dir.appending("node")
        // Payloads larger than a page need overflow pages; 180 leaves need two levels of branch pages.
        let node = try DemoNodeProcess.start(
            datadir: datadir,
            arguments: [
                "--store-format", "bbolt", "--nuts-version", "5.4", "--seed-transactions", "180", "--payload-bytes", "5000",
                "--write-interval", "0",
            ])
        defer { node.kill() }
        let diagnostics = try diagnostics(node)
        #expect(transactionCount(diagnostics) == 180)
        #expect(node.terminate() == 0, "\(node.log())")

        for store in Self.stores5_4 + ["vcr/credentials.db"] {
            let path = datadir + "/" + store
            #expect(StoreFormatCheck.isBBolt(path), "\(store)")
            let report = try BBoltProbe.check(path)
            #expect(report.validMetas == 2, "\(store)")
            #expect(report.pageSize == 4096)
            #expect(report.fileSize % report.pageSize == 0)
            // Every file names itself in a small bucket, which bbolt keeps inline in its parent's leaf.
            let marker = try #require(report.root.buckets["lifeboat-demo-node"], "\(store)")
            #expect(marker.isInline)
            #expect(marker.values[Array("store".utf8)] == Array(store.utf8))
        }

        let network = try BBoltProbe.check(datadir + "/network/data.db")
        let transactions = try #require(network.root.buckets["transactions"])
        #expect(transactions.values.count == 180)
        #expect(transactions.sequence == 180)
        #expect((network.pages["overflow"] ?? 0) >= 180, "\(network.pages)")
        #expect((network.pages["branch"] ?? 0) >= 3, "\(network.pages)")
        // Keys are 8-byte big-endian sequence numbers; values: reference, type, payload.
        let first = try #require(transactions.values[[0, 0, 0, 0, 0, 0, 0, 1]])
        let fields = try #require(Self.fields(first))
        #expect(fields.count == 3 && fields[0].count == 32 && fields[2].count == 5000)
        #expect(String(decoding: fields[1], as: UTF8.self) == "application/vc+json")

        let stores = try #require(diagnostics["stores"] as? [String: Any])
        for store in Self.stores5_4 where store.hasPrefix("vcr/") {
            let report = try BBoltProbe.check(datadir + "/" + store)
            let rows = (stores[store] as? [String: Any])?["rows"] as? Int
            #expect(report.root.buckets["credentials"]?.values.count == rows, "\(store)")
        }
        let didStore = try BBoltProbe.check(datadir + "/vdr/didstore.db")
        let documents = ((diagnostics["vdr"] as? [String: Any])?["did_documents_count"] as? Int)
        #expect(didStore.root.buckets["documents"]?.values.count == documents)
        let index = try BBoltProbe.check(datadir + "/vcr/credentials.db")
        let credentials = (diagnostics["vcr"] as? [String: Any])?["credential_count"] as? Int
        #expect(index.root.buckets["index"]?.buckets["application/vc+json"]?.values.count == credentials)
        #expect(credentials == 90)
    }

    @Test func aKilledNodeLeavesBBoltFilesItOpensAgain() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-bbolt")
        defer { dir.remove() }
        let datadir = dir.appending("node")
        let arguments = ["--store-format", "bbolt", "--nuts-version", "5.3", "--write-interval", "20ms", "--payload-bytes", "3000"]
        let node = try DemoNodeProcess.start(datadir: datadir, arguments: arguments)
        try waitUntil("the write load commits") { try transactionCount(diagnostics(node)) >= 30 }
        Glibc.kill(node.processID, SIGKILL)
        _ = node.terminate()

        for store in ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db", "vcr/credentials.db"] {
            #expect(try BBoltProbe.check(datadir + "/" + store).txid > 2, "\(store)")
        }
        let network = try BBoltProbe.check(datadir + "/network/data.db")
        let count = network.root.buckets["transactions"]?.values.count ?? -1
        let again = try DemoNodeProcess.start(datadir: datadir, arguments: arguments + ["--write-interval", "0"])
        defer { again.kill() }
        #expect(transactionCount(try diagnostics(again)) == count)
        #expect(again.terminate() == 0, "\(again.log())")
    }

    @Test func aNodeStartedOnItsRestoredShelfServesTheSameDiagnostics() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-bbolt")
        defer { dir.remove() }
        let shelf = dir.appending("shelf")
        let node = try DemoNodeProcess.start(
            datadir: dir.appending("node"),
            arguments: [
                "--store-format", "bbolt", "--nuts-version", "5.4", "--write-interval", "50ms", "--shelf-dir", shelf,
                "--shelf-interval", "1s",
            ])
        defer { node.kill() }
        try waitUntil("the shelf has copied every store twice") {
            Self.stores5_4.allSatisfy { FileManager.default.fileExists(atPath: shelf + "/" + $0 + ".previous") }
        }
        #expect(try node.post("/internal/demo/v1/workload/pause").status == 200)
        // Copies written after the pause hold what the diagnostics show.
        sleep(milliseconds: 2500)
        let before = try diagnostics(node)
        #expect(transactionCount(before) > 10)
        for store in Self.stores5_4 {
            let copy = shelf + "/" + store
            #expect(try mode(copy) == 0o640, "\(store)")
            #expect(StoreFormatCheck.isBBolt(copy), "\(store)")
            let report = try BBoltProbe.check(copy)
            #expect(report.validMetas == 2, "\(store)")
            _ = try BBoltProbe.check(copy + ".previous")
        }
        #expect(!FileManager.default.fileExists(atPath: shelf + "/vcr/credentials.db"), "the search index is rebuilt, never shelved")
        #expect(node.terminate() == 0, "\(node.log())")

        // The restore procedure: the shelf's copies and the trusted issuers go back, nothing else.
        let restored = dir.appending("restored")
        for store in Self.stores5_4 {
            try FileManager.default.createDirectory(
                atPath: (restored + "/" + store as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: shelf + "/" + store, toPath: restored + "/" + store)
        }
        try FileManager.default.copyItem(
            atPath: dir.appending("node/vcr/trusted_issuers.yaml"), toPath: restored + "/vcr/trusted_issuers.yaml")
        // The keys come back from their own backup (the node DID in the diagnostics is theirs).
        try FileManager.default.copyItem(atPath: dir.appending("node/crypto"), toPath: restored + "/crypto")
        // Started without writes, so its data can be compared with the copies' (a restored node writes on otherwise).
        let again = try DemoNodeProcess.start(
            datadir: restored, arguments: ["--store-format", "bbolt", "--nuts-version", "5.4", "--write-interval", "0"])
        defer { again.kill() }
        let after = try diagnostics(again)
        #expect(ReprocessTests.data(after) == ReprocessTests.data(before), "\(after) vs \(before)")
        #expect(again.terminate() == 0, "\(again.log())")
        #expect(try BBoltProbe.check(restored + "/vcr/credentials.db").root.buckets["index"] != nil)
    }

    @Test func aDatadirInTheOtherFormatOrInUseIsRefusedAtStart() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-demo-bbolt")
        defer { dir.remove() }
        let sqlite = try DemoNodeProcess.start(datadir: dir.appending("sqlite"), arguments: ["--write-interval", "0"])
        #expect(sqlite.terminate() == 0)
        let wrongFormat = try #require(throws: LifeboatError.self) {
            try DemoNodeProcess.start(datadir: dir.appending("sqlite"), arguments: ["--store-format", "bbolt"])
        }
        #expect(wrongFormat.message.contains("is not a valid BBolt file"), "\(wrongFormat.message)")
        #expect(wrongFormat.message.contains("--store-format sqlite"), "\(wrongFormat.message)")

        let first = try DemoNodeProcess.start(datadir: dir.appending("bbolt"), arguments: ["--store-format", "bbolt"])
        defer { first.kill() }
        let second = try #require(throws: LifeboatError.self) {
            try DemoNodeProcess.start(datadir: dir.appending("bbolt"), arguments: ["--store-format", "bbolt"])
        }
        #expect(second.message.contains("open in another process"), "\(second.message)")
    }

    /// A demo-node record's fields: each a u32 big-endian length and its bytes.
    static func fields(_ value: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = []
        var rest = value[...]
        while !rest.isEmpty {
            guard rest.count >= 4 else { return nil }
            let length = rest.prefix(4).reduce(0) { $0 * 256 + Int($1) }
            rest = rest.dropFirst(4)
            guard rest.count >= length else { return nil }
            out.append(Array(rest.prefix(length)))
            rest = rest.dropFirst(length)
        }
        return out
    }
}
