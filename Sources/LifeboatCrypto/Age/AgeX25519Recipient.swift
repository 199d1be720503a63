import Crypto
import Foundation
import LifeboatCore

/// The public half of an age X25519 key pair, written `age1…`: what files are encrypted to.
public struct AgeX25519Recipient: Sendable, Hashable, CustomStringConvertible {
    /// The 32-byte Curve25519 public key.
    let publicKey: [UInt8]

    static let hrp = "age"

    init(publicKey: [UInt8]) {
        self.publicKey = publicKey
    }

    /// Parses an `age1…` recipient string, checking its Bech32 checksum.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let decoded: (hrp: String, data: [UInt8])
        do {
            decoded = try Bech32.decode(trimmed)
        } catch {
            throw LifeboatError(.invalidArgument, "age recipient '\(trimmed)' is not valid Bech32: \(error)")
        }
        guard decoded.hrp == Self.hrp else {
            throw LifeboatError(
                .invalidArgument, "age recipient '\(trimmed)' does not start with 'age1' (lowercase); only X25519 recipients are supported")
        }
        guard decoded.data.count == 32 else {
            throw LifeboatError(
                .invalidArgument, "age recipient '\(trimmed)' holds \(decoded.data.count) bytes, not a 32-byte X25519 key")
        }
        publicKey = decoded.data
    }

    /// The `age1…` form.
    public var encoded: String { Bech32.encode(hrp: Self.hrp, data: publicKey) }

    /// The `age1…` form.
    public var description: String { encoded }

    /// Wraps `fileKey` for this recipient in a fresh `X25519` stanza.
    func wrap(fileKey: [UInt8]) throws -> AgeStanza {
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let share = Array(ephemeral.publicKey.rawRepresentation)
        guard let recipientKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKey),
            let shared = AgeX25519Identity.sharedSecret(ephemeral, recipientKey)
        else {
            throw LifeboatError(.invalidArgument, "age recipient '\(encoded)' is a low-order point and cannot be encrypted to")
        }
        let wrapKey = AgeX25519Identity.wrapKey(shared: shared, share: share, recipient: publicKey)
        let body = try AgeFileKey.seal(fileKey, with: wrapKey)
        return AgeStanza(arguments: ["X25519", AgeBase64.encodeUnpadded(share)], body: body)
    }
}
