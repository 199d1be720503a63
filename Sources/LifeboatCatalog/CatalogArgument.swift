import LifeboatCore

/// Checks on values callers hand the catalog, so a bad one fails with a message that
/// names it rather than as an SQLite constraint error.
enum CatalogArgument {
    /// A node name: any non-empty text.
    static func node(_ node: String) throws -> String {
        guard !node.isEmpty else {
            throw LifeboatError(.invalidArgument, "the node name for a catalog entry is empty")
        }
        return node
    }

    /// A snapshot id in its canonical form: 64 lower-case hex characters.
    static func snapshot(_ snapshot: String) throws -> String {
        guard let id = ObjectID(hex: snapshot) else {
            throw LifeboatError(
                .invalidArgument, "snapshot id \(snapshot.debugDescription) is not an id of 64 hex characters")
        }
        return id.hex
    }

    /// A repository name (its URL or path): any non-empty text.
    static func repository(_ repository: String) throws -> String {
        guard !repository.isEmpty else {
            throw LifeboatError(.invalidArgument, "a repository name for a catalog entry is empty")
        }
        return repository
    }

    /// A byte count: zero or more.
    static func bytes(_ bytes: Int64, _ name: String) throws -> Int64 {
        guard bytes >= 0 else {
            throw LifeboatError(.invalidArgument, "\(name) is \(bytes); a byte count cannot be negative")
        }
        return bytes
    }
}
