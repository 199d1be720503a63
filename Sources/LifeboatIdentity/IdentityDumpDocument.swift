import Crypto
import Foundation
import LifeboatCore

/// The plaintext of an identity dump: the keys and identity material of one node at one moment.
///
/// It is only ever held in memory; on disk and in repositories it exists solely as an age
/// file (see ``IdentityDumper``). Encoded as JSON with sorted keys.
public struct IdentityDumpDocument: Codable, Sendable, Hashable {
    /// The value of ``format`` this build writes.
    public static let currentFormat = "lifeboat-identity-dump/1"

    /// The document format and version.
    public var format: String
    /// The dump's name, `<node>-iddump-<UTC timestamp>`.
    public var name: String
    /// The node it was taken from.
    public var node: String
    /// The identity source type: `fs`, `vault` or `canton`.
    public var sourceType: String
    /// Where the keys were read (a directory, a Vault mount, a URL); never a credential.
    public var source: String
    /// When the dump was taken.
    public var created: Date
    /// The keys.
    public var keys: [IdentityKey]
    /// Canton: the participant's `id`, e.g. `PAR::validator::1220ab…`.
    public var cantonID: String?
    /// Canton: which snapshot form the dump carries (`authorizedStoreSnapshot` or `bootstrapTxs`).
    public var cantonForm: String?
    /// Canton: the NodeIdentitiesDump exactly as the validator returned it, for the restore kit.
    public var cantonDump: String?

    /// Creates a document.
    public init(
        name: String, node: String, sourceType: String, source: String, created: Date, keys: [IdentityKey],
        cantonID: String? = nil, cantonForm: String? = nil, cantonDump: String? = nil
    ) {
        self.format = Self.currentFormat
        self.name = name
        self.node = node
        self.sourceType = sourceType
        self.source = source
        self.created = created
        self.keys = keys
        self.cantonID = cantonID
        self.cantonForm = cantonForm
        self.cantonDump = cantonDump
    }

    /// One fingerprint over the public parts of every key (and the Canton id): equal dumps of the same identity match.
    public var fingerprint: String {
        var lines = keys.map { "\($0.name)\t\($0.fingerprint ?? $0.keyID ?? "-")" }.sorted()
        if let cantonID { lines.append("id\t\(cantonID)") }
        return Hex.encode(SHA256.hash(data: Data(lines.joined(separator: "\n").utf8)))
    }

    /// The non-secret manifest stored beside the encrypted file.
    func manifest(encryptedFile: String, encryptedSHA256: String, recipients: [String]) -> IdentityDumpManifest {
        IdentityDumpManifest(
            name: name, node: node, sourceType: sourceType, source: source, created: created, keyCount: keys.count,
            fingerprint: fingerprint, keys: keys.map(\.publicInfo), cantonID: cantonID, cantonForm: cantonForm,
            encryptedFile: encryptedFile, encryptedSHA256: encryptedSHA256, recipients: recipients)
    }

    /// The JSON encoding that is encrypted.
    func encoded() throws -> [UInt8] {
        Array(try Self.encoder.encode(self))
    }

    /// Decodes a decrypted dump; a wrong format is reported precisely.
    static func decode(_ bytes: [UInt8]) throws -> IdentityDumpDocument {
        let document: IdentityDumpDocument
        do {
            document = try decoder.decode(IdentityDumpDocument.self, from: Data(bytes))
        } catch {
            throw LifeboatError(
                .corrupted, "the decrypted file is not a Lifeboat identity dump (its JSON does not match \(currentFormat))")
        }
        guard document.format == currentFormat else {
            throw LifeboatError(
                .unsupported, "identity dump format \"\(document.format)\" is not supported by this build (it reads \(currentFormat))")
        }
        return document
    }

    /// Sorted keys and ISO 8601 dates, like everything Lifeboat stores.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601.format(date))
        }
        return encoder
    }

    /// The decoder matching ``encoder``.
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not an ISO 8601 date")
            }
            return date
        }
        return decoder
    }
}
