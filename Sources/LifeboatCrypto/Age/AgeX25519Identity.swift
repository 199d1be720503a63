import Crypto
import Foundation
import LifeboatCore

/// The secret half of an age X25519 key pair, written `AGE-SECRET-KEY-1…`: what files are decrypted with.
///
/// Its `description` shows only the public recipient, so that printing an identity by
/// accident does not leak it; use ``encoded`` to get the secret text on purpose.
public struct AgeX25519Identity: Sendable, CustomStringConvertible {
    let privateKey: Curve25519.KeyAgreement.PrivateKey

    static let hrp = "AGE-SECRET-KEY-"

    init(privateKey: Curve25519.KeyAgreement.PrivateKey) {
        self.privateKey = privateKey
    }

    /// A fresh random identity.
    public static func generate() -> Self {
        Self(privateKey: Curve25519.KeyAgreement.PrivateKey())
    }

    /// Parses an `AGE-SECRET-KEY-1…` string; errors never repeat the (secret) input.
    public init(parsing text: String) throws {
        do {
            self = try Self.parse(text.trimmingCharacters(in: .whitespaces))
        } catch {
            throw LifeboatError(.invalidArgument, "identity is not a valid AGE-SECRET-KEY-1… string: \(error)")
        }
    }

    /// The parse behind both ``init(parsing:)`` and identity files, failing with a reason only.
    static func parse(_ text: String) throws(Bech32.DecodeError) -> Self {
        let decoded = try Bech32.decode(text)
        guard decoded.hrp == hrp else {
            throw Bech32.DecodeError(description: "it does not start with 'AGE-SECRET-KEY-1' in uppercase")
        }
        guard decoded.data.count == 32,
            let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: decoded.data)
        else {
            throw Bech32.DecodeError(description: "it holds \(decoded.data.count) bytes, not a 32-byte X25519 key")
        }
        return Self(privateKey: key)
    }

    /// The public recipient that files for this identity are encrypted to.
    public var recipient: AgeX25519Recipient {
        AgeX25519Recipient(publicKey: Array(privateKey.publicKey.rawRepresentation))
    }

    /// The secret `AGE-SECRET-KEY-1…` form, as `age-keygen` writes it.
    public var encoded: String {
        Bech32.encode(hrp: Self.hrp, data: Array(privateKey.rawRepresentation)).uppercased()
    }

    /// A redacted form naming only the public recipient.
    public var description: String { "AgeX25519Identity(\(recipient.encoded))" }

    /// The file key from `stanza`, or nil when the stanza is not addressed to this identity.
    func unwrap(_ stanza: AgeStanza) throws -> [UInt8]? {
        guard stanza.type == "X25519" else { return nil }
        guard stanza.arguments.count == 2, let share = AgeBase64.decodeUnpadded(Array(stanza.arguments[1].utf8)),
            share.count == 32
        else {
            throw LifeboatError(.corrupted, "age X25519 stanza is malformed: it needs exactly one 32-byte ephemeral share")
        }
        // Checked before decrypting, as the spec asks, so that body length cannot be used as an oracle.
        guard stanza.body.count == 32 else {
            throw LifeboatError(.corrupted, "age X25519 stanza is malformed: its body is \(stanza.body.count) bytes, not 32")
        }
        guard let shareKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: share),
            let shared = Self.sharedSecret(privateKey, shareKey)
        else {
            throw LifeboatError(.corrupted, "age X25519 stanza is malformed: its ephemeral share is a low-order point")
        }
        let ownKey = Array(privateKey.publicKey.rawRepresentation)
        let wrapKey = Self.wrapKey(shared: shared, share: share, recipient: ownKey)
        return AgeFileKey.open(stanza.body, with: wrapKey)
    }

    /// X25519, or nil when the result is all zeros (a low-order point), which age forbids.
    static func sharedSecret(
        _ privateKey: Curve25519.KeyAgreement.PrivateKey, _ publicKey: Curve25519.KeyAgreement.PublicKey
    ) -> [UInt8]? {
        guard let secret = try? privateKey.sharedSecretFromKeyAgreement(with: publicKey) else { return nil }
        let bytes = secret.withUnsafeBytes { Array($0) }
        return bytes.allSatisfy({ $0 == 0 }) ? nil : bytes
    }

    /// HKDF-SHA256(shared, salt: share ‖ recipient, info: "age-encryption.org/v1/X25519").
    static func wrapKey(shared: [UInt8], share: [UInt8], recipient: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: shared), salt: share + recipient,
            info: Array("age-encryption.org/v1/X25519".utf8), outputByteCount: 32)
    }
}
