/// A Redis server to back up (`type: redis`).
public struct RedisStore: Sendable, Hashable, Codable {
    /// `redis://HOST[:PORT][/DB]`, `rediss://…` or `unix:///PATH`, without a password.
    public var url: String
    /// A file (absolute path) whose first line is the password, if the server needs one.
    public var passwordFile: String?
    /// Whether to connect with TLS; always true for `rediss://`.
    public var tls: Bool
    /// How a node restore stops and starts the server (`stop`/`systemd_unit`/`pid_file`,
    /// and `start`); without a stop, `SHUTDOWN NOSAVE` is sent. A restore needs a start.
    public var control: NodeControl?
    /// The server's data directory, for a restore while the server is down (a running
    /// server is asked with `CONFIG GET dir`).
    public var dir: String?

    /// Creates a Redis store entry.
    public init(url: String, passwordFile: String? = nil, tls: Bool = false, control: NodeControl? = nil, dir: String? = nil) {
        self.url = url
        self.passwordFile = passwordFile
        self.tls = tls
        self.control = control
        self.dir = dir
    }

    private enum CodingKeys: String, CodingKey {
        case url, tls, control, dir
        case passwordFile = "password_file"
    }
}
