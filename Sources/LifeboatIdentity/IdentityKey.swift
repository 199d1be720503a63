/// One private key (or a reference to one held in a KMS) inside an identity dump.
///
/// `material` is secret: it only ever exists in memory and inside the encrypted dump.
public struct IdentityKey: Codable, Sendable, Hashable {
    /// How a key's material is written.
    public enum Format: String, Codable, Sendable, Hashable {
        /// A PKCS#8 PEM text (`-----BEGIN PRIVATE KEY-----`): Nuts filesystem and Vault keys.
        case pkcs8PEM = "pkcs8-pem"
        /// A Canton `keyPair`: a base64 serialized `CryptoKeyPair`.
        case cantonKeyPair = "canton-key-pair"
        /// A Canton key held in a KMS: only its type and id, no material.
        case cantonKMS = "canton-kms"
    }

    /// The key's name: the Nuts key id, the Vault entry, or Canton's key name or id.
    public var name: String
    /// How ``material`` is written.
    public var format: Format
    /// The algorithm when known, e.g. `EC P-256`.
    public var algorithm: String?
    /// The secret material (PEM text or base64), nil for KMS keys.
    public var material: String?
    /// For KMS keys: `signing` or `encryption`.
    public var kmsType: String?
    /// For KMS keys: the key's id (a public fingerprint).
    public var keyID: String?
    /// SHA-256 (hex) of the public part, when it could be derived.
    public var fingerprint: String?

    /// Creates a key entry.
    public init(
        name: String, format: Format, algorithm: String? = nil, material: String? = nil, kmsType: String? = nil,
        keyID: String? = nil, fingerprint: String? = nil
    ) {
        self.name = name
        self.format = format
        self.algorithm = algorithm
        self.material = material
        self.kmsType = kmsType
        self.keyID = keyID
        self.fingerprint = fingerprint
    }

    /// The non-secret facts about this key, for manifests and listings.
    public var publicInfo: IdentityDumpManifest.Key {
        IdentityDumpManifest.Key(name: name, format: format, algorithm: algorithm, fingerprint: fingerprint, keyID: keyID)
    }
}
