/// One data store of a node, from an entry of `stores:`, tagged by its `type`.
///
/// Paths of `sqlite`, `file`, `dir` and `shelf` stores are written relative to
/// the node's datadir or absolute, and kept as written so a restore can put
/// them back in the same place; ``NodeConfiguration/resolvedPath(_:)`` makes
/// them absolute.
public enum StoreConfiguration: Sendable, Hashable {
    /// `type: sqlite`: a SQLite database, captured consistently through SQLite's backup API.
    case sqlite(path: String)
    /// `type: file`: one file copied as is (e.g. `vcr/trusted_issuers.yaml`).
    case file(path: String)
    /// `type: dir`: a directory tree copied as is.
    case directory(path: String)
    /// `type: shelf`: the directory where a node writes its own copies of single-process stores (BBolt).
    case shelf(directory: String)
    /// `type: redis`: a Redis server.
    case redis(RedisStore)
    /// `type: postgres`: one or more PostgreSQL databases.
    case postgres(PostgresStore)
    /// `type: mysql`: a MySQL or MariaDB database.
    case mysql(MySQLStore)

    /// The `type` value of each case, in the order messages list them.
    static let typeNames = ["sqlite", "file", "dir", "shelf", "redis", "postgres", "mysql"]

    /// The `type` value, e.g. `dir`.
    public var typeName: String {
        switch self {
        case .sqlite: "sqlite"
        case .file: "file"
        case .directory: "dir"
        case .shelf: "shelf"
        case .redis: "redis"
        case .postgres: "postgres"
        case .mysql: "mysql"
        }
    }

    /// The datadir-relative or absolute path of a path-based store, nil for servers.
    public var path: String? {
        switch self {
        case .sqlite(let path), .file(let path), .directory(let path): path
        case .shelf(let directory): directory
        case .redis, .postgres, .mysql: nil
        }
    }
}

extension StoreConfiguration: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, path, directory
    }

    /// Decodes `{type, …}` with the keys of that type beside `type`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "sqlite": self = .sqlite(path: try container.decode(String.self, forKey: .path))
        case "file": self = .file(path: try container.decode(String.self, forKey: .path))
        case "dir": self = .directory(path: try container.decode(String.self, forKey: .path))
        case "shelf": self = .shelf(directory: try container.decode(String.self, forKey: .directory))
        case "redis": self = .redis(try RedisStore(from: decoder))
        case "postgres": self = .postgres(try PostgresStore(from: decoder))
        case "mysql": self = .mysql(try MySQLStore(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription: "\"\(type)\" is not a store type (expected one of: \(Self.typeNames.joined(separator: ", ")))")
        }
    }

    /// Encodes `type` and the case's keys in one object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .sqlite(let path), .file(let path), .directory(let path):
            try container.encode(path, forKey: .path)
        case .shelf(let directory):
            try container.encode(directory, forKey: .directory)
        case .redis(let store):
            try store.encode(to: encoder)
        case .postgres(let store):
            try store.encode(to: encoder)
        case .mysql(let store):
            try store.encode(to: encoder)
        }
    }
}
