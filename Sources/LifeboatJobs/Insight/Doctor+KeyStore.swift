import LifeboatConfig

extension Doctor {
    /// A node whose keys no identity dump can hold: Azure Key Vault keys are non-exportable, so
    /// the doctor names the backup the operator relies on instead of reporting dumps that can
    /// never succeed as missing or failing.
    static func keyStore(_ node: NodeConfiguration) -> [DoctorFinding] {
        guard case .azureKeyVault(let vault)? = node.identity?.source else { return [] }
        return [
            DoctorFinding(
                .warning, node: node.name, check: "identity-non-exportable",
                message:
                    "node \(node.name) keeps its private keys in Azure Key Vault \(vault.url); they are non-exportable, so Lifeboat's identity dumps cannot hold them and a state backup alone does not bring them back",
                remedy:
                    "Rely on the vault's own backup: enable soft-delete and purge protection on \(vault.url) (az keyvault update --enable-purge-protection true), take Azure key backups (az keyvault key backup, or a managed HSM's full backup) and keep them with the state backups; remove the identity schedule or leave it failing as a reminder."
            )
        ]
    }

    /// Whether the doctor's identity-dump checks apply to a node: not for a key store that cannot be dumped.
    static func dumpsIdentity(_ node: NodeConfiguration) -> Bool {
        if case .azureKeyVault? = node.identity?.source { return false }
        return true
    }
}
