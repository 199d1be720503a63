import Foundation

/// The non-secret description stored in the clear next to a dump's `.age` file.
///
/// It names keys and fingerprints of their public parts so that a dump can be listed and
/// compared without decrypting it; it never holds key material.
public struct IdentityDumpManifest: Codable, Sendable, Hashable {
    /// The public facts about one key.
    public struct Key: Codable, Sendable, Hashable {
        /// The key's name.
        public var name: String
        /// How the key's material is written.
        public var format: IdentityKey.Format
        /// The algorithm when known.
        public var algorithm: String?
        /// SHA-256 (hex) of the public part, when it could be derived.
        public var fingerprint: String?
        /// A KMS key's id.
        public var keyID: String?
    }

    /// The manifest format.
    public var format = "lifeboat-identity-manifest/1"
    /// The dump's name.
    public var name: String
    /// The node.
    public var node: String
    /// `fs`, `vault` or `canton`.
    public var sourceType: String
    /// Where the keys were read.
    public var source: String
    /// When the dump was taken.
    public var created: Date
    /// How many keys the dump holds.
    public var keyCount: Int
    /// The dump's fingerprint over all public parts (see ``IdentityDumpDocument/fingerprint``).
    public var fingerprint: String
    /// Each key's public facts.
    public var keys: [Key]
    /// Canton: the participant id.
    public var cantonID: String?
    /// Canton: the dump form.
    public var cantonForm: String?
    /// The encrypted file's name inside the snapshot.
    public var encryptedFile: String
    /// SHA-256 (hex) of the encrypted file, checked on export and restore.
    public var encryptedSHA256: String
    /// The age recipients it is encrypted to (`age1…`), or `scrypt` for a passphrase.
    public var recipients: [String]
}
