import LifeboatShelf

/// Where the Nuts profile keeps its stores: the operations ``NutsStores`` needs, in SQLite
/// (``SQLiteNutsStorage``) or BBolt (``BBoltNutsStorage``) files with the same logical content,
/// so diagnostics and content hashes do not depend on the format.
protocol NutsStorage: Sendable {
    /// Appends a network transaction with the next sequence number.
    func appendTransaction(ref: String, type: String, payload: [UInt8]) throws
    /// How many transactions the network holds.
    func transactionCount() throws -> Int
    /// The transaction references of one content type (every type when nil), in sequence order.
    func transactionRefs(type: String?) throws -> [String]
    /// Adds a credential to the backup store `store` (e.g. `backup-issued-credentials`) when this version has it.
    func addCredential(store: String, id: String, type: String, document: [UInt8]) throws
    /// Replaces a random DID document's content and raises its version; false when there is none.
    func updateRandomDocument(_ document: [UInt8]) throws -> Bool
    /// Adds a DID document at version 1.
    func insertDocument(did: String, document: [UInt8]) throws
    /// Adds a reference to the search index.
    func index(ref: String, type: String) throws
    /// Replaces the index entries of one content type.
    func replaceIndex(type: String, refs: [String]) throws
    /// How many index entries a content type has.
    func indexedCount(type: String) throws -> Int
    /// The rows of a restored store (datadir-relative path) in key order, as SQLite returns
    /// them from the SQLite form; nil for a path this version does not keep.
    func rows(of relativePath: String) throws -> [[SQLiteValue]]?
    /// The stores the shelf copies (not the search index).
    var shelfStores: [ShelfStore] { get }
    /// Makes everything durable and closes the files.
    func close()
}
