/// How the daemon gets the secret that opens a repository; the secret itself is never in the file.
public enum RepositoryCredential: Sendable, Hashable {
    /// `password_file`: the first line of this file (absolute path) is the password.
    case passwordFile(String)
    /// `key_file`: this file (absolute path) holds a key that opens a key slot.
    case keyFile(String)
    /// `password_env`: the password is in the environment variable of this name.
    case passwordEnvironment(String)

    /// The YAML key that selects each case, in the order messages list them.
    static let keys = ["password_file", "key_file", "password_env"]
}

extension RepositoryCredential: Codable {
    private enum CodingKeys: String, CodingKey {
        case passwordFile = "password_file"
        case keyFile = "key_file"
        case passwordEnvironment = "password_env"
    }

    /// Decodes whichever of `password_file`, `key_file` or `password_env` is present.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let path = try container.decodeIfPresent(String.self, forKey: .passwordFile) {
            self = .passwordFile(path)
        } else if let path = try container.decodeIfPresent(String.self, forKey: .keyFile) {
            self = .keyFile(path)
        } else if let name = try container.decodeIfPresent(String.self, forKey: .passwordEnvironment) {
            self = .passwordEnvironment(name)
        } else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "give exactly one of password_file, key_file, password_env"))
        }
    }

    /// Encodes the one key for this case.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .passwordFile(let path): try container.encode(path, forKey: .passwordFile)
        case .keyFile(let path): try container.encode(path, forKey: .keyFile)
        case .passwordEnvironment(let name): try container.encode(name, forKey: .passwordEnvironment)
        }
    }
}
