/// A named repository from `repositories:`: where it lives and how to open it.
///
/// ```yaml
/// repositories:
///   offsite:
///     url: s3:http://127.0.0.1:9000/backups/lifeboat
///     password_env: LIFEBOAT_OFFSITE_PASSWORD
///     region: eu-west-1
/// ```
public struct RepositoryConfiguration: Sendable, Hashable {
    /// What kind of storage a repository URL names.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A local directory (``RepositoryConfiguration/url`` is an absolute path).
        case directory
        /// An S3 bucket and prefix: `s3://BUCKET/PREFIX` or `s3:http(s)://HOST[:PORT]/BUCKET/PREFIX`.
        case s3
    }

    /// The name other sections use to refer to the repository.
    public var name: String
    /// An absolute directory path, or the `s3:` URL as written.
    public var url: String
    /// Directory or S3, from the URL's form.
    public var kind: Kind
    /// Where the password or key comes from.
    public var credential: RepositoryCredential
    /// The S3 region, if given (S3 only).
    public var region: String?

    /// Creates a repository entry; the configuration loader checks the values.
    public init(name: String, url: String, kind: Kind, credential: RepositoryCredential, region: String? = nil) {
        self.name = name
        self.url = url
        self.kind = kind
        self.credential = credential
        self.region = region
    }
}

extension RepositoryConfiguration: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, url, kind, region
    }

    /// Decodes `{name, url, kind, password_file | key_file | password_env, region?}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        url = try container.decode(String.self, forKey: .url)
        kind = try container.decode(Kind.self, forKey: .kind)
        region = try container.decodeIfPresent(String.self, forKey: .region)
        credential = try RepositoryCredential(from: decoder)
    }

    /// Encodes the form ``init(from:)`` reads, the credential's key beside the others.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(url, forKey: .url)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(region, forKey: .region)
        try credential.encode(to: encoder)
    }
}
