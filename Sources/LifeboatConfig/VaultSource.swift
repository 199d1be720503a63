import LifeboatCore

/// HashiCorp Vault as an identity source (`type: vault`): keys under `<prefix>/nuts-private-keys/` in a KV engine.
public struct VaultSource: Sendable, Hashable {
    /// The server, `http(s)://HOST[:PORT]`.
    public var address: String
    /// Where the Vault token is read from (`token_file` or `token_env`).
    public var token: SecretSource
    /// The KV engine's mount path; `kv` unless given.
    public var prefix: String
    /// The KV engine version, 1 (the Nuts node's) or 2.
    public var kvVersion: Int
    /// How long one request may take.
    public var timeout: Interval
    /// A CA certificate file (absolute path) to trust for the server, if not the system's.
    public var caFile: String?

    /// Creates a Vault source.
    public init(
        address: String, token: SecretSource, prefix: String = "kv", kvVersion: Int = 1,
        timeout: Interval = VaultSource.defaultTimeout, caFile: String? = nil
    ) {
        self.address = address
        self.token = token
        self.prefix = prefix
        self.kvVersion = kvVersion
        self.timeout = timeout
        self.caFile = caFile
    }

    /// The request timeout when none is given, as in the Nuts node.
    public static var defaultTimeout: Interval { Interval.validLiteral("5s") }

    /// The keys a Vault source reads besides `type`.
    static let keys = ["address", "token_file", "token_env", "prefix", "kv_version", "timeout", "ca_file"]
}

extension VaultSource: Codable {
    private enum CodingKeys: String, CodingKey {
        case address, prefix, timeout
        case tokenFile = "token_file"
        case tokenEnvironment = "token_env"
        case kvVersion = "kv_version"
        case caFile = "ca_file"
    }

    /// Decodes the YAML keys; `prefix`, `kv_version` and `timeout` have defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        address = try container.decode(String.self, forKey: .address)
        token = try SecretSource.decode(from: container, file: .tokenFile, environment: .tokenEnvironment)
        prefix = try container.decodeIfPresent(String.self, forKey: .prefix) ?? "kv"
        kvVersion = try container.decodeIfPresent(Int.self, forKey: .kvVersion) ?? 1
        timeout = try container.decodeIfPresent(Interval.self, forKey: .timeout) ?? Self.defaultTimeout
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
    }

    /// Encodes the YAML keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address, forKey: .address)
        try token.encode(to: &container, file: .tokenFile, environment: .tokenEnvironment)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(kvVersion, forKey: .kvVersion)
        try container.encode(timeout, forKey: .timeout)
        try container.encodeIfPresent(caFile, forKey: .caFile)
    }
}
