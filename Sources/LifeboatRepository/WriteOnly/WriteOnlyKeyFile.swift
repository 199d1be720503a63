import Foundation
import LifeboatCore

/// What a node's host holds to write backups into a repository it cannot read: the
/// repository's recipient public key, its chunk-id key and its public settings.
///
/// Nothing in it opens a stored object: the recipient key is public, and the id key is the
/// HMAC key that names chunks (ids are stored only inside sealed pack headers and index
/// files, so it confirms nothing to someone who cannot open those). Each backup run agrees a
/// fresh key with the recipient (X25519) and forgets it when the run ends.
public struct WriteOnlyKeyFile: Codable, Sendable {
    /// Always ``formatName``.
    public var format: String
    /// File format version (1).
    public var version: Int
    /// The repository's id.
    public var repository: String
    /// The recipient's X25519 public key, base64.
    public var recipient: String
    /// The chunk-id key, base64 (32 bytes).
    public var idKey: String
    /// The repository's settings (pack size, chunking), which the host cannot read from the
    /// sealed `config` object.
    public var config: RepositoryConfig

    /// The `format` value.
    public static let formatName = "lifeboat write-only key"

    /// The file's bytes: JSON with sorted keys and a newline.
    public func encoded() throws -> [UInt8] {
        Array(try JSONEncoder.lifeboat.encode(self)) + [10]
    }

    /// Reads a write-only key file's bytes; `path` names it in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> WriteOnlyKeyFile {
        let file: WriteOnlyKeyFile
        do {
            file = try JSONDecoder.lifeboat.decode(WriteOnlyKeyFile.self, from: Data(bytes))
        } catch {
            throw LifeboatError(
                .invalidArgument, "\(path) is not a Lifeboat write-only key (make one with `lifeboat key add --write-only FILE`)")
        }
        guard file.format == formatName else {
            throw LifeboatError(.invalidArgument, "\(path) is not a Lifeboat write-only key (its format is \"\(file.format)\")")
        }
        guard file.version == 1 else {
            throw LifeboatError(.unsupported, "write-only key \(path) has version \(file.version); this build reads version 1")
        }
        guard let id = Data(base64Encoded: file.idKey), id.count == 32 else {
            throw LifeboatError(.invalidArgument, "write-only key \(path) is damaged: its idKey is not 32 bytes of base64")
        }
        guard file.config.id == file.repository else {
            throw LifeboatError(.invalidArgument, "write-only key \(path) is damaged: its config names another repository")
        }
        return file
    }
}

/// Key objects under `keys/` that are not key slots: the recipient (its private key sealed
/// under the master key) and one session per write-only backup run (its ephemeral public key).
struct RecipientSlot: Codable {
    var version: Int
    var kind: String
    var created: Date
    var host: String
    var user: String
    /// The X25519 public key, base64.
    var publicKey: String
    /// The private key sealed under the master key, base64.
    var data: String

    static let kindName = "write-only-recipient"
}

struct SessionSlot: Codable {
    var version: Int
    var kind: String
    var created: Date
    var host: String
    var user: String
    /// The recipient's public key the session agreed its key with, base64.
    var recipient: String
    /// The session's ephemeral X25519 public key, base64.
    var ephemeral: String

    static let kindName = "write-only-session"
}

/// The `kind` of any object under `keys/`.
struct KeyObjectKind: Decodable {
    var kind: String
}
