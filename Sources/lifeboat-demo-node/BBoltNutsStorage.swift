import Foundation
import LifeboatShelf

/// The Nuts stores as BBolt files (`--store-format bbolt`), one writer each, as the Nuts node
/// keeps them; the shelf copies them under their write locks.
///
/// Buckets: `network/data.db` has `transactions` (8-byte big-endian sequence → reference,
/// type, payload; the bucket's sequence is the last one given); `vdr/didstore.db` has
/// `documents` (DID → version, document); each `vcr/backup-*.db` has `credentials` (id →
/// type, document); `vcr/credentials.db` has `index` with one nested bucket per content type
/// (reference → empty). Values are ``BBoltRecord``s. Every file also has a small (inline)
/// bucket `lifeboat-demo-node` naming the store.
final class BBoltNutsStorage: NutsStorage {
    /// `network/data.db`.
    let network: BBoltStore
    /// `vdr/didstore.db`.
    let didStore: BBoltStore
    /// `vcr/<name>.db` for each of the version's credential backup stores.
    let credentialStores: [String: BBoltStore]
    /// `vcr/credentials.db`, the search index.
    let index: BBoltStore
    private let credentialNames: [String]

    /// The bucket every file has, naming the store.
    static let markerBucket = "lifeboat-demo-node"

    /// Opens (creating) every store of `version` under `datadir`.
    init(datadir: String, version: NutsVersion) throws {
        func open(_ relativePath: String, bucket: String) throws -> BBoltStore {
            let store = try BBoltStore(path: datadir + "/" + relativePath)
            if store.read({ $0.buckets[Array(Self.markerBucket.utf8)] == nil }) {
                try store.update { root in
                    root[bucket: Self.markerBucket].values[Array("store".utf8)] = Array(relativePath.utf8)
                    root[bucket: Self.markerBucket].values[Array("format".utf8)] = Array("1".utf8)
                    root[bucket: bucket] = root[bucket: bucket]
                }
            }
            return store
        }
        network = try open("network/data.db", bucket: "transactions")
        didStore = try open("vdr/didstore.db", bucket: "documents")
        var stores: [String: BBoltStore] = [:]
        for name in version.credentialStores { stores[name] = try open("vcr/\(name).db", bucket: "credentials") }
        credentialStores = stores
        credentialNames = version.credentialStores
        index = try open("vcr/credentials.db", bucket: "index")
    }

    func appendTransaction(ref: String, type: String, payload: [UInt8]) throws {
        try network.update { root in
            let seq = root[bucket: "transactions"].nextSequence()
            root[bucket: "transactions"].values[BBoltRecord.key(seq)] = BBoltRecord.encode([Array(ref.utf8), Array(type.utf8), payload])
        }
    }

    func transactionCount() throws -> Int {
        network.read { $0[bucket: "transactions"].values.count }
    }

    func transactionRefs(type: String?) throws -> [String] {
        try transactions().filter { type == nil || $0.type == type }.map(\.ref)
    }

    func addCredential(store: String, id: String, type: String, document: [UInt8]) throws {
        try credentialStores[store]?.update { root in
            root[bucket: "credentials"].values[Array(id.utf8)] = BBoltRecord.encode([Array(type.utf8), document])
        }
    }

    func updateRandomDocument(_ document: [UInt8]) throws -> Bool {
        var updated = false
        try didStore.update { root in
            guard let (did, value) = root[bucket: "documents"].values.randomElement() else { return }
            let version = BBoltRecord.decode(value).flatMap(\.first).map(BBoltRecord.number) ?? 0
            root[bucket: "documents"].values[did] = BBoltRecord.encode([BBoltRecord.key(version + 1), document])
            updated = true
        }
        return updated
    }

    func insertDocument(did: String, document: [UInt8]) throws {
        try didStore.update { root in
            root[bucket: "documents"].values[Array(did.utf8)] = BBoltRecord.encode([BBoltRecord.key(1), document])
        }
    }

    func index(ref: String, type: String) throws {
        try index.update { root in root[bucket: "index"][bucket: type].values[Array(ref.utf8)] = [] }
    }

    func replaceIndex(type: String, refs: [String]) throws {
        try index.update { root in
            var entries = BBoltBucket()
            for ref in refs { entries.values[Array(ref.utf8)] = [] }
            root[bucket: "index"][bucket: type] = entries
        }
    }

    func indexedCount(type: String) throws -> Int {
        index.read { $0[bucket: "index"][bucket: type].values.count }
    }

    func rows(of relativePath: String) throws -> [[SQLiteValue]]? {
        switch relativePath {
        case "network/data.db":
            return try transactions().map { [.integer(Int64($0.seq)), .text($0.ref), .text($0.type), .blob($0.payload)] }
        case "vdr/didstore.db":
            return try records(didStore, bucket: "documents").map { key, fields in
                [.text(String(decoding: key, as: UTF8.self)), .integer(Int64(BBoltRecord.number(fields[0]))), .blob(fields[1])]
            }
        default:
            guard let store = credentialStores[String(relativePath.dropFirst(4).dropLast(3))] else { return nil }
            return try records(store, bucket: "credentials").map { key, fields in
                [.text(String(decoding: key, as: UTF8.self)), .text(String(decoding: fields[0], as: UTF8.self)), .blob(fields[1])]
            }
        }
    }

    var shelfStores: [ShelfStore] {
        [ShelfStore.bbolt(module: "network", name: "data", writeTo: network.copy)]
            + credentialNames.compactMap { name in
                credentialStores[name].map { ShelfStore.bbolt(module: "vcr", name: name, writeTo: $0.copy) }
            } + [ShelfStore.bbolt(module: "vdr", name: "didstore", writeTo: didStore.copy)]
    }

    func close() {
        for store in [network, didStore, index] + credentialNames.compactMap({ credentialStores[$0] }) { store.closeFile() }
    }

    /// The network's transactions in sequence order.
    private func transactions() throws -> [(seq: UInt64, ref: String, type: String, payload: [UInt8])] {
        try records(network, bucket: "transactions").map { key, fields in
            (BBoltRecord.number(key), String(decoding: fields[0], as: UTF8.self), String(decoding: fields[1], as: UTF8.self), fields[2])
        }
    }

    /// A bucket's records in key order, each checked to have the fields the store writes.
    private func records(_ store: BBoltStore, bucket: String) throws -> [(key: [UInt8], fields: [[UInt8]])] {
        let width = bucket == "transactions" ? 3 : 2
        return try store.read { root in
            try root[bucket: bucket].sortedValues.map { key, value in
                guard let fields = BBoltRecord.decode(value), fields.count == width else {
                    throw BBoltFormatError("\(store.path): bucket \(bucket) holds a value that is not a \(width)-field record")
                }
                return (key, fields)
            }
        }
    }
}
