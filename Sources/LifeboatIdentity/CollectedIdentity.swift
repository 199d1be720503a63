import LifeboatCore

/// What one identity source read, already validated key by key.
struct CollectedIdentity: Sendable {
    /// Where the keys were read, for the manifest and messages (no credentials).
    var source: String
    /// The keys.
    var keys: [IdentityKey]
    /// Canton: the participant id.
    var cantonID: String? = nil
    /// Canton: `authorizedStoreSnapshot` or `bootstrapTxs`.
    var cantonForm: String? = nil
    /// Canton: the dump as returned.
    var cantonDump: String? = nil

    /// A PEM key checked by parsing it; the error names the key and what is wrong with it, never its bytes.
    static func pemKey(name: String, pem: String, origin: String) throws -> IdentityKey {
        do {
            let parsed = try PrivateKeyPEM(parsing: pem)
            return IdentityKey(
                name: name, format: .pkcs8PEM, algorithm: parsed.algorithm, material: pem, fingerprint: parsed.fingerprint)
        } catch {
            throw LifeboatError(.corrupted, "key \(name) from \(origin) is not a usable PKCS#8 private key: \(error)")
        }
    }
}
