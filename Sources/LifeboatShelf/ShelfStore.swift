import LifeboatCore

/// One store a node puts on its shelf: where its copy goes and how to write it.
///
/// ```swift
/// let store = ShelfStore(module: "network", name: "data") { destination in
///     try copyConsistently(to: destination)
/// }
/// // the shelf writes <directory>/network/data.db
/// ```
///
/// The writer receives the path of a fresh, empty `.db.work` file (mode 0640) and must leave a
/// complete, consistent copy of the store there; it may replace the file. It runs on the
/// shelf's own thread, never concurrently with another backup of the same shelf.
public struct ShelfStore: Sendable {
    /// The component sub-directory, named as in the node's datadir (`network`, `vcr`, `vdr`).
    public let module: String
    /// The store's file name without `.db` (`data`, `backup-issued-credentials`).
    public let name: String
    /// Writes a consistent copy of the store to the given path.
    public let write: @Sendable (_ destination: String) throws -> Void

    /// Describes a store; `name` may be given with or without its `.db` suffix.
    public init(module: String, name: String, write: @escaping @Sendable (_ destination: String) throws -> Void) {
        self.module = module
        self.name = name.hasSuffix(".db") ? String(name.dropLast(3)) : name
        self.write = write
    }

    /// The copy's path relative to the shelf directory, e.g. `network/data.db`.
    public var relativePath: String { "\(module)/\(name).db" }

    /// Refuses names that are not one plain path component each.
    func validate() throws {
        for (role, value) in [("module", module), ("store name", name)] {
            let plain =
                !value.isEmpty && value != "." && value != ".." && !value.hasPrefix(".")
                && !value.contains("/") && !value.contains("\0")
            guard plain else {
                throw LifeboatError(
                    .invalidArgument,
                    "shelf \(role) \"\(value)\" is not a plain directory or file name; use a datadir name such as \"network\" or \"data\""
                )
            }
        }
    }
}
