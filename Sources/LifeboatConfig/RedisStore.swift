/// A Redis server to back up (`type: redis`).
public struct RedisStore: Sendable, Hashable, Codable {
    /// `redis://HOST[:PORT][/DB]`, `rediss://…` or `unix:///PATH`, without a password.
    public var url: String
    /// A file (absolute path) whose first line is the password, if the server needs one.
    public var passwordFile: String?
    /// Whether to connect with TLS; always true for `rediss://`.
    public var tls: Bool

    /// Creates a Redis store entry.
    public init(url: String, passwordFile: String? = nil, tls: Bool = false) {
        self.url = url
        self.passwordFile = passwordFile
        self.tls = tls
    }

    private enum CodingKeys: String, CodingKey {
        case url, tls
        case passwordFile = "password_file"
    }
}
