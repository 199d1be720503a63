/// Where a node's private keys and identity material are read from, tagged by `type`.
public enum IdentitySource: Sendable, Hashable {
    /// `type: fs`: a key directory, relative to the datadir or absolute (Nuts: `crypto`).
    case filesystem(directory: String)
    /// `type: vault`: HashiCorp Vault's KV store, as the Nuts node uses it.
    case vault(VaultSource)
    /// `type: canton`: a Splice validator's identities dump endpoint.
    case canton(CantonSource)
    /// `type: azure-keyvault`: a Nuts 6 node's Azure Key Vault, whose keys cannot be exported.
    case azureKeyVault(AzureKeyVaultSource)

    /// The `type` value of each case, in the order messages list them.
    static let typeNames = ["fs", "vault", "canton", "azure-keyvault"]

    /// The `type` value, e.g. `fs`.
    public var typeName: String {
        switch self {
        case .filesystem: "fs"
        case .vault: "vault"
        case .canton: "canton"
        case .azureKeyVault: "azure-keyvault"
        }
    }
}

extension IdentitySource: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, directory
    }

    /// Decodes `{type, …}` with the keys of that type beside `type`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "fs": self = .filesystem(directory: try container.decode(String.self, forKey: .directory))
        case "vault": self = .vault(try VaultSource(from: decoder))
        case "canton": self = .canton(try CantonSource(from: decoder))
        case "azure-keyvault": self = .azureKeyVault(try AzureKeyVaultSource(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription:
                    "\"\(type)\" is not an identity source type (expected one of: \(Self.typeNames.joined(separator: ", ")))")
        }
    }

    /// Encodes `type` and the case's keys in one object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .filesystem(let directory): try container.encode(directory, forKey: .directory)
        case .vault(let vault): try vault.encode(to: encoder)
        case .canton(let canton): try canton.encode(to: encoder)
        case .azureKeyVault(let vault): try vault.encode(to: encoder)
        }
    }
}
