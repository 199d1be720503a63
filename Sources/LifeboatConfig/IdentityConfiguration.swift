/// A node's identity dumps, from `identity:`: the schedule keys of a ``BackupPlan`` plus where keys come from and whom dumps are encrypted to.
///
/// ```yaml
/// identity:
///   interval: 24h
///   max: 14
///   repositories: [primary]
///   source: {type: fs, directory: crypto}
///   recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]
/// ```
public struct IdentityConfiguration: Sendable, Hashable {
    /// When dumps run, how many are kept (the Max Dump Number) and where they go.
    public var plan: BackupPlan
    /// Where the private keys and identity material are read from.
    public var source: IdentitySource
    /// The `age` X25519 recipients (`age1…`) every dump is encrypted to, at least one.
    public var recipients: [String]

    /// Creates an identity entry; the configuration loader checks the values.
    public init(plan: BackupPlan, source: IdentitySource, recipients: [String]) {
        self.plan = plan
        self.source = source
        self.recipients = recipients
    }

    /// The keys `identity:` reads besides the plan's.
    static let ownKeys = ["source", "recipients"]
}

extension IdentityConfiguration: Codable {
    private enum CodingKeys: String, CodingKey {
        case source, recipients
    }

    /// Decodes the plan's keys and `source` and `recipients` from one object, as in the YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plan = try BackupPlan(from: decoder)
        source = try container.decode(IdentitySource.self, forKey: .source)
        recipients = try container.decode([String].self, forKey: .recipients)
    }

    /// Encodes the plan's keys beside `source` and `recipients`.
    public func encode(to encoder: any Encoder) throws {
        try plan.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(recipients, forKey: .recipients)
    }
}
