import AsyncHTTPClient
import LifeboatConfig
import LifeboatCore
import Logging

/// Keys in Vault as the Nuts node stores them: token check, LIST, then each entry's `key` field.
enum VaultKeySource {
    /// Checks the token, lists `nuts-private-keys` and reads and validates every key.
    static func collect(
        _ source: VaultSource, client: HTTPClient, environment: [String: String], logger: Logger
    ) async throws -> CollectedIdentity {
        let store = try VaultKeyStore(source: source, client: client, environment: environment)
        try await store.checkToken()
        let names = try await store.list()
        logger.info("vault keys listed", metadata: ["vault.location": "\(store.location)", "vault.keys": "\(names.count)"])
        var keys: [IdentityKey] = []
        for name in names {
            guard let pem = try await store.read(name) else {
                throw LifeboatError(.io, "Vault listed key \(name) in \(store.location) but reading it answered 404")
            }
            keys.append(try CollectedIdentity.pemKey(name: name, pem: pem, origin: "Vault \(store.location)"))
        }
        return CollectedIdentity(source: store.location, keys: keys)
    }
}
