import Crypto
import Foundation
import LifeboatShelf

/// The Nuts profile's stores: the network DAG, the credential backup stores, the DID store,
/// and the credential search index (rebuilt by reprocessing, never restored), in the
/// format the node was started with.
final class NutsStores: Sendable {
    /// The version whose file list this node keeps.
    let version: NutsVersion
    /// The files, SQLite or BBolt.
    let storage: any NutsStorage

    /// Opens (creating) every store of `version` under `datadir` in `format`.
    init(datadir: String, version: NutsVersion, format: StoreFormat) throws {
        self.version = version
        switch format {
        case .sqlite: storage = try SQLiteNutsStorage(datadir: datadir, version: version)
        case .bbolt: storage = try BBoltNutsStorage(datadir: datadir, version: version)
        }
    }

    /// The content types the search index covers: what this version reprocesses (5.4: credentials
    /// and revocations, rebuilt from its backup stores at start instead).
    var indexedTypes: [String] {
        version.reprocessTypes.isEmpty ? [NutsVersion.credentialType, NutsVersion.revocationType] : version.reprocessTypes
    }

    /// The shelf's stores: the ones a restore copies back (not the search index).
    var shelfStores: [ShelfStore] { storage.shelfStores }

    /// One unit of node activity: a transaction on the network and its effect on the stores.
    func write(tick: Int, payloadBytes: Int) throws {
        let kinds = [NutsVersion.credentialType, NutsVersion.didType, NutsVersion.credentialType, NutsVersion.revocationType]
        let type = kinds[tick % kinds.count]
        let ref = randomHex(16)
        try storage.appendTransaction(ref: ref, type: type, payload: randomBytes(payloadBytes))
        let document = Array("{\"id\":\"\(ref)\",\"type\":\"\(type)\"}".utf8)
        switch type {
        case NutsVersion.credentialType:
            for name in ["backup-issued-credentials", "backup-credentials"] {
                try storage.addCredential(store: name, id: ref, type: "NutsOrganizationCredential", document: document)
            }
        case NutsVersion.revocationType:
            try storage.addCredential(store: "backup-revoked-credentials", id: ref, type: "revocation", document: document)
        default:
            // Every other DID transaction updates an existing document; the rest create one.
            if (tick / kinds.count) % 2 == 1, try storage.updateRandomDocument(document) { break }
            try storage.insertDocument(did: "did:nuts:\(ref)", document: document)
        }
        if indexedTypes.contains(type) { try storage.index(ref: ref, type: type) }
    }

    /// How many transactions the network holds.
    func transactionCount() throws -> Int { try storage.transactionCount() }

    /// Rebuilds the search index for one content type from the network's transactions.
    func rebuildIndex(type: String) throws {
        try storage.replaceIndex(type: type, refs: try storage.transactionRefs(type: type))
    }

    /// How many index entries a content type has.
    func indexedCount(type: String) throws -> Int { try storage.indexedCount(type: type) }

    /// Row count and SHA-256 of a restored store, nil for a path this version does not keep.
    func digest(_ relativePath: String) throws -> StoreDigest? {
        try storage.rows(of: relativePath).map { StoreDigest(rows: $0) }
    }

    /// The XOR of the SHA-256 of every transaction reference, like Nuts's `dag_xor`.
    func dagXor() throws -> String {
        var xor = [UInt8](repeating: 0, count: 32)
        for ref in try storage.transactionRefs(type: nil) {
            for (offset, byte) in SHA256.hash(data: Array(ref.utf8)).enumerated() { xor[offset] ^= byte }
        }
        return xor.map { String(format: "%02x", $0) }.joined()
    }

    /// Makes every store durable and closes it.
    func close() { storage.close() }
}

/// `count` random bytes.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: count)
    var offset = 0
    while offset < count {
        var word = generator.next()
        for _ in 0..<min(8, count - offset) {
            bytes[offset] = UInt8(truncatingIfNeeded: word)
            word >>= 8
            offset += 1
        }
    }
    return bytes
}

/// `count` random bytes as lowercase hex.
func randomHex(_ count: Int) -> String {
    randomBytes(count).map { String(format: "%02x", $0) }.joined()
}
