/// PostgreSQL databases to back up (`type: postgres`), dumped in a chosen order.
///
/// ```yaml
/// - type: postgres
///   databases:
///     - {name: validator, url: "postgres://splice@db:5432/validator", tables: [users, balances]}
///     - {name: participant, url: "postgres://splice@db:5432/participant"}
///   order: sequential
/// ```
/// A single `url:` is short for one database named after the URL's path.
public struct PostgresStore: Sendable, Hashable, Codable {
    /// How databases of one store are dumped relative to each other.
    public enum Order: String, Sendable, Hashable, Codable, CaseIterable {
        /// One after the other, in list order: Canton needs the validator app's backup strictly before the participant's.
        case sequential
        /// At the same time; for databases that do not depend on each other.
        case parallel
    }

    /// The databases, in list order.
    public var databases: [PostgresDatabase]
    /// How the databases are dumped relative to each other.
    public var order: Order

    /// Creates a PostgreSQL store entry.
    public init(databases: [PostgresDatabase], order: Order = .sequential) {
        self.databases = databases
        self.order = order
    }
}

/// One PostgreSQL database of a ``PostgresStore``.
public struct PostgresDatabase: Sendable, Hashable, Codable {
    /// A name unique within the store, used for the dump's file name.
    public var name: String
    /// `postgres://USER@HOST[:PORT]/DATABASE`, without a password (use `~/.pgpass` or `PGPASSFILE`).
    public var url: String
    /// Tables (`table` or `schema.table`) whose row counts a backup records and a restore compares.
    public var tables: [String]

    /// Creates a database entry.
    public init(name: String, url: String, tables: [String] = []) {
        self.name = name
        self.url = url
        self.tables = tables
    }

    private enum CodingKeys: String, CodingKey {
        case name, url, tables
    }

    /// Decodes `name`, `url` and the optional `tables`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        url = try container.decode(String.self, forKey: .url)
        tables = try container.decodeIfPresent([String].self, forKey: .tables) ?? []
    }

    /// Encodes `tables` only when some are declared.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(url, forKey: .url)
        if !tables.isEmpty { try container.encode(tables, forKey: .tables) }
    }
}
