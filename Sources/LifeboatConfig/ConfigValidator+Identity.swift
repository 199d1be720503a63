import Foundation

// `identity:`: the plan keys plus the key source and the age recipients.
extension ConfigValidator {
    /// An `identity:` section; `relativeAllowed` is false when the node has no datadir.
    func identity(_ node: ConfigNode, relativeAllowed: Bool) -> IdentityConfiguration? {
        guard let fields = mapping(node, keys: BackupPlan.keys + IdentityConfiguration.ownKeys) else { return nil }
        let plan = plan(fields, kind: .identity)
        let source = required(fields, "source", " ({type: fs, directory: crypto}, or type vault, canton or azure-keyvault)")
            .flatMap { identitySource($0, relativeAllowed: relativeAllowed) }
        let recipients = required(fields, "recipients", " (the age1… public keys dumps are encrypted to)")
            .flatMap(recipients)
        guard let plan, let source, let recipients else { return nil }
        return IdentityConfiguration(plan: plan, source: source, recipients: recipients)
    }

    /// `source:`: `type` first, then the keys of that type.
    private func identitySource(_ node: ConfigNode, relativeAllowed: Bool) -> IdentitySource? {
        let types = IdentitySource.typeNames.joined(separator: ", ")
        guard case .mapping(let entries) = node.content else {
            report(node, "expected a mapping with a type (\(types)), got \(node.shapeName)")
            return nil
        }
        guard let typeNode = ConfigMapping(node: node, entries: entries)["type"] else {
            // Without a type only keys no source type has can be called unknown.
            let anySourceKeys = ["type", "directory"] + VaultSource.keys + CantonSource.keys + AzureKeyVaultSource.keys
            if let fields = mapping(node, keys: anySourceKeys.uniqued()) {
                reportSection(fields, "missing required key \"type\" (one of: \(types))")
            }
            return nil
        }
        guard let type = text(typeNode) else { return nil }
        switch type {
        case "fs":
            guard let fields = mapping(node, keys: ["type", "directory"]) else { return nil }
            return required(fields, "directory", " (the key directory, e.g. crypto inside the datadir)")
                .flatMap { datadirPath($0, relativeAllowed: relativeAllowed) }
                .map(IdentitySource.filesystem)
        case "vault":
            guard let fields = mapping(node, keys: ["type"] + VaultSource.keys) else { return nil }
            return vault(fields).map(IdentitySource.vault)
        case "canton":
            guard let fields = mapping(node, keys: ["type"] + CantonSource.keys) else { return nil }
            return canton(fields).map(IdentitySource.canton)
        case "azure-keyvault":
            guard let fields = mapping(node, keys: ["type"] + AzureKeyVaultSource.keys) else { return nil }
            return required(fields, "url", " (the vault's URL, the node's crypto.azurekv.url)").flatMap(azureKeyVaultURL).map {
                IdentitySource.azureKeyVault(AzureKeyVaultSource(url: $0))
            }
        default:
            report(typeNode, "\"\(type)\" is not an identity source type (expected one of: \(types))")
            return nil
        }
    }

    /// A Vault source; `prefix`, `kv_version` and `timeout` have the Nuts node's defaults.
    private func vault(_ fields: ConfigMapping) -> VaultSource? {
        let address = required(fields, "address").flatMap { httpURL($0, example: "https://vault.example:8200") }
        var token: SecretSource?
        if let key = exactlyOne(fields, of: ["token_file", "token_env"]), let node = fields[key] {
            token =
                key == "token_file" ? filePath(node).map(SecretSource.file) : environmentVariableName(node).map(SecretSource.environment)
        }
        var ok = true
        var prefix = "kv"
        if let node = fields["prefix"], let text = text(node) {
            if text.hasPrefix("/") || text.hasSuffix("/") {
                report(node, "\"\(text)\" must not start or end with /; write the mount path, e.g. kv")
                ok = false
            } else {
                prefix = text
            }
        } else if fields["prefix"] != nil {
            ok = false
        }
        let kvVersion = fields["kv_version"].map { integer($0, in: 1...2) } ?? 1
        let timeout = fields["timeout"].map(interval) ?? VaultSource.defaultTimeout
        let caFile = fields["ca_file"].map(filePath)
        guard ok, let address, let token, let kvVersion, let timeout, caFile != .some(nil) else { return nil }
        return VaultSource(
            address: address, token: token, prefix: prefix, kvVersion: kvVersion, timeout: timeout, caFile: caFile ?? nil)
    }

    /// An Azure Key Vault URL: `https://HOST[/]`, as the node's `crypto.azurekv.url`.
    private func azureKeyVaultURL(_ node: ConfigNode) -> String? {
        guard let text = text(node) else { return nil }
        let example = "https://nuts-keys.vault.azure.net/"
        guard let parts = URLComponents(string: text), parts.scheme?.lowercased() == "https", let host = parts.host, !host.isEmpty
        else {
            report(node, "\"\(text)\" is not an https:// URL of a key vault, e.g. \(example)")
            return nil
        }
        guard parts.path.isEmpty || parts.path == "/", parts.query == nil, parts.user == nil else {
            report(node, "\"\(text)\" has more than the vault's address; write https://\(host)/ (keys are not named here)")
            return nil
        }
        return text
    }

    /// A Canton source: the validator's URL and a token file or an OAuth client.
    private func canton(_ fields: ConfigMapping) -> CantonSource? {
        let url = required(fields, "url").flatMap { httpURL($0, example: "https://validator.example") }
        var authentication: CantonSource.Authentication?
        if let key = exactlyOne(fields, of: ["token_file", "oauth"]), let node = fields[key] {
            authentication =
                key == "token_file"
                ? filePath(node).map(CantonSource.Authentication.tokenFile)
                : oauth(node).map(CantonSource.Authentication.oauth)
        }
        guard let url, let authentication else { return nil }
        return CantonSource(url: url, authentication: authentication)
    }

    /// `oauth:`: a client-credentials grant.
    private func oauth(_ node: ConfigNode) -> OAuthClient? {
        guard let fields = mapping(node, keys: OAuthClient.keys) else { return nil }
        let tokenURL = required(fields, "token_url").flatMap { httpURL($0, example: "https://auth.example/oauth/token") }
        let clientID = required(fields, "client_id").flatMap(text)
        let secretFile = required(fields, "client_secret_file").flatMap(filePath)
        let audience = fields["audience"].map(text)
        guard let tokenURL, let clientID, let secretFile, audience != .some(nil) else { return nil }
        return OAuthClient(tokenURL: tokenURL, clientID: clientID, clientSecretFile: secretFile, audience: audience ?? nil)
    }

    /// `recipients:`: at least one age X25519 recipient, none twice.
    private func recipients(_ node: ConfigNode) -> [String]? {
        guard let items = list(node, of: "age recipients (age1…)") else { return nil }
        guard !items.isEmpty else {
            report(node, "list at least one age recipient; without one no dump could be decrypted")
            return nil
        }
        var result: [String] = []
        var seen: [(key: String, node: ConfigNode)] = []
        for item in items {
            guard let text = text(item) else { continue }
            if let problem = Self.recipientProblem(text) {
                report(item, problem)
                continue
            }
            result.append(text)
            seen.append((text, item))
        }
        requireUnique(seen) { "recipient \"\($0)\"" }
        return result.count == items.count ? result : nil
    }

    /// What is wrong with an age X25519 recipient's shape, or nil; LifeboatCrypto checks the checksum and key.
    static func recipientProblem(_ text: String) -> String? {
        guard text.hasPrefix("age1") else {
            return "\"\(text)\" is not an age recipient; it must start with age1 (age-keygen -y KEYFILE prints one)"
        }
        let data = text.dropFirst(4)
        // bech32's data alphabet: no 1, b, i, o and lowercase only.
        let alphabet = Set("qpzry9x8gf2tvdw0s3jn54khce6mua7l")
        if let bad = data.first(where: { !alphabet.contains($0) }) {
            return
                "\"\(text)\" is not an age X25519 recipient: \"\(bad)\" cannot appear after age1 (bech32 uses lowercase letters and digits except 1, b, i, o)"
        }
        guard data.count > 6 else {
            return "\"\(text)\" is too short for an age recipient"
        }
        return nil
    }
}
