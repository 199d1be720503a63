/// One bearer token the API accepts, stored as the SHA-256 of the token so the file never holds it in clear.
public struct APIToken: Sendable, Hashable, Codable {
    /// What a token may do; each role includes the ones before it.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        /// Read history, status and metrics.
        case viewer
        /// Also start backups, restores and prunes.
        case `operator`
        /// Also change schedules and configuration.
        case admin
    }

    /// A label for logs and audit lines, unique among tokens.
    public var name: String
    /// What the token may do.
    public var role: Role
    /// The SHA-256 of the token's text, 64 lowercase hex digits.
    public var sha256: String

    /// Creates a token entry.
    public init(name: String, role: Role, sha256: String) {
        self.name = name
        self.role = role
        self.sha256 = sha256
    }
}
