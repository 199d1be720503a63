/// Where a secret such as a token is read from: a file or an environment variable, never the configuration itself.
public enum SecretSource: Sendable, Hashable {
    /// The first line of this file (absolute path).
    case file(String)
    /// The value of the environment variable of this name.
    case environment(String)

    /// Decodes whichever of the two keys is present.
    static func decode<Key: CodingKey>(
        from container: KeyedDecodingContainer<Key>, file: Key, environment: Key
    ) throws -> SecretSource {
        if let path = try container.decodeIfPresent(String.self, forKey: file) { return .file(path) }
        return .environment(try container.decode(String.self, forKey: environment))
    }

    /// Encodes the one key for this case.
    func encode<Key: CodingKey>(to container: inout KeyedEncodingContainer<Key>, file: Key, environment: Key) throws {
        switch self {
        case .file(let path): try container.encode(path, forKey: file)
        case .environment(let name): try container.encode(name, forKey: environment)
        }
    }
}
