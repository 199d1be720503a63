/// An OAuth 2 client-credentials grant that fetches bearer tokens.
public struct OAuthClient: Sendable, Hashable, Codable {
    /// The token endpoint, `http(s)://…`.
    public var tokenURL: String
    /// The client identifier.
    public var clientID: String
    /// A file (absolute path) whose first line is the client secret.
    public var clientSecretFile: String
    /// The audience to request, if the provider needs one.
    public var audience: String?

    /// Creates a client.
    public init(tokenURL: String, clientID: String, clientSecretFile: String, audience: String? = nil) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecretFile = clientSecretFile
        self.audience = audience
    }

    /// The keys `oauth:` reads.
    static let keys = ["token_url", "client_id", "client_secret_file", "audience"]

    private enum CodingKeys: String, CodingKey {
        case tokenURL = "token_url"
        case clientID = "client_id"
        case clientSecretFile = "client_secret_file"
        case audience
    }
}
