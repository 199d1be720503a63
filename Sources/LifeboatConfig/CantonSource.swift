/// A Splice validator as an identity source (`type: canton`): the participant identities dump over HTTP.
public struct CantonSource: Sendable, Hashable {
    /// How requests authenticate: a static token or an OAuth client-credentials grant.
    public enum Authentication: Sendable, Hashable {
        /// `token_file`: a bearer token read from this file (absolute path).
        case tokenFile(String)
        /// `oauth`: a token fetched with the client-credentials grant.
        case oauth(OAuthClient)
    }

    /// The validator app's base URL, `http(s)://HOST[:PORT]`.
    public var url: String
    /// How requests authenticate.
    public var authentication: Authentication

    /// Creates a Canton source.
    public init(url: String, authentication: Authentication) {
        self.url = url
        self.authentication = authentication
    }

    /// The keys a Canton source reads besides `type`.
    static let keys = ["url", "token_file", "oauth"]
}

extension CantonSource: Codable {
    private enum CodingKeys: String, CodingKey {
        case url, oauth
        case tokenFile = "token_file"
    }

    /// Decodes `url` and whichever of `token_file` or `oauth` is present.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        if let path = try container.decodeIfPresent(String.self, forKey: .tokenFile) {
            authentication = .tokenFile(path)
        } else {
            authentication = .oauth(try container.decode(OAuthClient.self, forKey: .oauth))
        }
    }

    /// Encodes `url` and the key of the authentication in use.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        switch authentication {
        case .tokenFile(let path): try container.encode(path, forKey: .tokenFile)
        case .oauth(let client): try container.encode(client, forKey: .oauth)
        }
    }
}
