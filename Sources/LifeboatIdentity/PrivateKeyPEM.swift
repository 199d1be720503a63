import Crypto
import CryptoExtras
import Foundation
import LifeboatCore

/// A PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`), checked by parsing it with swift-crypto.
///
/// Nuts writes its keys in this form. Parsing proves the key is usable and yields the
/// public part, whose SHA-256 is the key's fingerprint in a dump's manifest.
struct PrivateKeyPEM {
    /// What the key is, e.g. `EC P-256`, `RSA 2048`, `Ed25519`.
    var algorithm: String
    /// The public key as DER SubjectPublicKeyInfo.
    var publicKeyDER: [UInt8]

    /// Why a PEM text is not a usable private key; the text names the defect, never key bytes.
    struct Problem: Error, CustomStringConvertible {
        /// The defect, e.g. `no -----BEGIN PRIVATE KEY----- block`.
        var description: String
    }

    /// Parses one PEM text holding a single private key.
    init(parsing text: String) throws(Problem) {
        let der = try Self.derBody(of: text)
        let (algorithm, parameter, privateKey) = try Self.pkcs8Fields(der)
        do {
            switch algorithm {
            case OID.ecPublicKey:
                let ec = try Self.ecKey(der, curve: parameter)
                self.algorithm = ec.0
                publicKeyDER = ec.1
            case OID.rsaEncryption:
                let key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: Self.pem(der))
                self.algorithm = "RSA \(key.keySizeInBits)"
                publicKeyDER = Array(key.publicKey.derRepresentation)
            case OID.ed25519:
                let key = try Curve25519.Signing.PrivateKey(rawRepresentation: try Self.innerOctets(privateKey))
                self.algorithm = "Ed25519"
                publicKeyDER = Array(key.publicKey.derRepresentation)
            case OID.x25519:
                let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: try Self.innerOctets(privateKey))
                self.algorithm = "X25519"
                publicKeyDER = Array(key.publicKey.derRepresentation)
            default:
                throw Problem(description: "its algorithm (OID \(Self.dotted(algorithm))) is not EC, RSA, Ed25519 or X25519")
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(description: "the PKCS#8 structure is fine but the key inside does not parse (\(error))")
        }
    }

    /// The SHA-256 of the public part, lowercase hex.
    var fingerprint: String { Hex.encode(SHA256.hash(data: publicKeyDER)) }

    /// The DER bytes inside the single `PRIVATE KEY` block of `text`.
    static func derBody(of text: String) throws(Problem) -> [UInt8] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN ") }) else {
            throw Problem(description: "it holds no PEM block (no -----BEGIN line)")
        }
        let label = lines[begin].dropFirst("-----BEGIN ".count).dropLast(5)
        guard label == "PRIVATE KEY" else {
            let hint = label == "ENCRYPTED PRIVATE KEY" ? " (a passphrase-protected key cannot be restored unattended)" : ""
            throw Problem(description: "its PEM block is \"\(label)\", expected \"PRIVATE KEY\" (PKCS#8)\(hint)")
        }
        guard let end = lines[begin...].firstIndex(of: "-----END PRIVATE KEY-----") else {
            throw Problem(description: "its PEM block has no -----END PRIVATE KEY----- line (truncated?)")
        }
        let body = lines[(begin + 1)..<end].joined()
        guard !body.isEmpty else { throw Problem(description: "its PEM block is empty") }
        guard let der = Data(base64Encoded: body) else {
            throw Problem(description: "its PEM body is not valid base64")
        }
        return Array(der)
    }

    /// The algorithm OID, its parameter (a curve OID for EC) and the private key octets of a PKCS#8 structure.
    private static func pkcs8Fields(_ der: [UInt8]) throws(Problem) -> ([UInt8], [UInt8]?, ArraySlice<UInt8>) {
        var outer = DERReader(der[...])
        guard let info = outer.next(DERReader.Tag.sequence), outer.isAtEnd else {
            throw Problem(description: "its DER is not one PKCS#8 SEQUENCE")
        }
        var fields = DERReader(info.contents)
        guard let version = fields.next(DERReader.Tag.integer), version.contents.count == 1, version.contents.first ?? 9 <= 1
        else {
            throw Problem(description: "its PKCS#8 version is missing or not 0/1")
        }
        guard let identifier = fields.next(DERReader.Tag.sequence) else {
            throw Problem(description: "its PKCS#8 algorithm identifier is missing")
        }
        var algorithmFields = DERReader(identifier.contents)
        guard let oid = algorithmFields.next(DERReader.Tag.objectIdentifier) else {
            throw Problem(description: "its PKCS#8 algorithm identifier has no OID")
        }
        let parameter = algorithmFields.next().flatMap { $0.tag == DERReader.Tag.objectIdentifier ? Array($0.contents) : nil }
        guard let privateKey = fields.next(DERReader.Tag.octetString), !privateKey.contents.isEmpty else {
            throw Problem(description: "its PKCS#8 private key octets are missing")
        }
        return (Array(oid.contents), parameter, privateKey.contents)
    }

    /// An EC key on one of the NIST curves swift-crypto knows: its name and public DER.
    private static func ecKey(_ der: [UInt8], curve: [UInt8]?) throws -> (String, [UInt8]) {
        guard let curve else { throw Problem(description: "its EC algorithm identifier names no curve") }
        if curve == OID.p256 {
            return ("EC P-256", Array(try P256.Signing.PrivateKey(derRepresentation: der).publicKey.derRepresentation))
        }
        if curve == OID.p384 {
            return ("EC P-384", Array(try P384.Signing.PrivateKey(derRepresentation: der).publicKey.derRepresentation))
        }
        if curve == OID.p521 {
            return ("EC P-521", Array(try P521.Signing.PrivateKey(derRepresentation: der).publicKey.derRepresentation))
        }
        throw Problem(description: "its EC curve (OID \(dotted(curve))) is not P-256, P-384 or P-521")
    }

    /// The 32 bytes inside the OCTET STRING that RFC 8410 keys wrap their private key in.
    private static func innerOctets(_ octets: ArraySlice<UInt8>) throws(Problem) -> [UInt8] {
        var reader = DERReader(octets)
        guard let inner = reader.next(DERReader.Tag.octetString), inner.contents.count == 32 else {
            throw Problem(description: "its RFC 8410 private key is not a 32-byte OCTET STRING")
        }
        return Array(inner.contents)
    }

    /// `der` as a PKCS#8 PEM text, for APIs that only read PEM.
    private static func pem(_ der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PRIVATE KEY-----\n"
    }

    /// An OID's contents in dotted form, for messages.
    static func dotted(_ oid: [UInt8]) -> String {
        guard let first = oid.first else { return "" }
        var parts = [String(first / 40), String(first % 40)]
        var value = 0
        for byte in oid.dropFirst() {
            value = value << 7 | Int(byte & 0x7F)
            if byte & 0x80 == 0 {
                parts.append(String(value))
                value = 0
            }
        }
        return parts.joined(separator: ".")
    }

    /// The OID contents (without tag and length) this parser recognises.
    enum OID {
        static let ecPublicKey: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
        static let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        static let ed25519: [UInt8] = [0x2B, 0x65, 0x70]
        static let x25519: [UInt8] = [0x2B, 0x65, 0x6E]
        static let p256: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
        static let p384: [UInt8] = [0x2B, 0x81, 0x04, 0x00, 0x22]
        static let p521: [UInt8] = [0x2B, 0x81, 0x04, 0x00, 0x23]
    }
}
