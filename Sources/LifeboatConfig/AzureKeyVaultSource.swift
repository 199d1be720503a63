import Foundation

/// Azure Key Vault as a Nuts 6 node's key store (`type: azure-keyvault`, the node's
/// `crypto.storage: azure-keyvault` with `crypto.azurekv.url`).
///
/// ```yaml
/// source: {type: azure-keyvault, url: "https://nuts-keys.vault.azure.net/"}
/// ```
/// The Nuts node creates its keys there non-exportable (Nuts 6 storage documentation), so no
/// identity dump can hold them: an identity job for such a node fails saying so, and the
/// doctor names the backup the operator relies on instead, the vault's own.
public struct AzureKeyVaultSource: Sendable, Hashable {
    /// The vault, `https://NAME.vault.azure.net/` (or a managed HSM's URL).
    public var url: String

    /// Creates an Azure Key Vault source.
    public init(url: String) { self.url = url }

    /// The keys an Azure Key Vault source reads besides `type`.
    static let keys = ["url"]

    /// What the operator must rely on for the keys, as the doctor and the failed dump say it.
    public var backupAdvice: String {
        "keys of an Azure Key Vault key store are non-exportable: rely on the vault's own protection — soft-delete and purge protection on \(url) (az keyvault update --enable-purge-protection true), and Azure's key backup (az keyvault key backup, or a managed HSM's full backup) kept with the state backups"
    }
}

extension AzureKeyVaultSource: Codable {
    private enum CodingKeys: String, CodingKey {
        case url
    }
}
