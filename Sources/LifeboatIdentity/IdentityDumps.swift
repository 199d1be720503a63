import Crypto
import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatRepository

/// Stored identity dumps: listing, finding, exporting the ciphertext and decrypting.
public enum IdentityDumps {
    /// The manifest's file name inside a dump snapshot.
    public static let manifestFile = "manifest.json"

    /// Every identity dump of `node`, oldest first.
    public static func list(repository: Repository, node: String) async throws -> [IdentityDumpSummary] {
        try await repository.snapshots().compactMap { IdentityDumpSummary($0) }.filter { $0.node == node }
    }

    /// One dump of `node` by name, by `latest`, or by snapshot id prefix (at least 4 hex characters).
    public static func find(_ reference: String, repository: Repository, node: String) async throws -> IdentityDumpSummary {
        let dumps = try await list(repository: repository, node: node)
        if reference == "latest" {
            guard let last = dumps.last else {
                throw LifeboatError(.notFound, "node \(node) has no identity dumps in repository \(repository.storage.location)")
            }
            return last
        }
        let byName = dumps.filter { $0.name == reference }
        if byName.count == 1, let only = byName.first { return only }
        if byName.count > 1 {
            throw LifeboatError(
                .invalidArgument, "\(byName.count) identity dumps of node \(node) are named \(reference); give the snapshot id instead")
        }
        let lower = reference.lowercased()
        let byID = lower.count >= 4 && lower.allSatisfy(\.isHexDigit) ? dumps.filter { $0.snapshotID.hasPrefix(lower) } : []
        if byID.count > 1 {
            throw LifeboatError(
                .invalidArgument, "snapshot id prefix \(reference) matches \(byID.count) identity dumps; give more characters")
        }
        guard let found = byID.first else {
            throw LifeboatError(
                .notFound,
                "no identity dump \(reference) of node \(node) in repository \(repository.storage.location) (`lifeboat identity list \(node)` shows them)"
            )
        }
        return found
    }

    /// The stored files of a dump: its manifest and the encrypted bytes, checked against the manifest's SHA-256.
    public static func files(
        of dump: IdentityDumpSummary, repository: Repository
    ) async throws -> (manifest: IdentityDumpManifest, encrypted: [UInt8]) {
        guard let id = ObjectID(hex: dump.snapshotID) else {
            throw LifeboatError(.invalidArgument, "\(dump.snapshotID) is not a snapshot id")
        }
        let record = try await repository.loadSnapshot(id)
        // The restored files are the ciphertext and the public manifest only; still keep them private.
        let staging = try StagingDirectory()
        defer { staging.remove() }
        let target = staging.path + "/files"
        _ = try await repository.restore(record, options: RestoreOptions(target: target))
        let directory = target + "/" + dump.name
        guard let manifestData = FileManager.default.contents(atPath: directory + "/" + manifestFile) else {
            throw LifeboatError(.corrupted, "identity dump \(dump.name) (snapshot \(dump.snapshotID.prefix(8))) has no \(manifestFile)")
        }
        let manifest: IdentityDumpManifest
        do {
            manifest = try IdentityDumpDocument.decoder.decode(IdentityDumpManifest.self, from: manifestData)
        } catch {
            throw LifeboatError(.corrupted, "the manifest of identity dump \(dump.name) does not decode: \(error)")
        }
        guard let encrypted = FileManager.default.contents(atPath: directory + "/" + manifest.encryptedFile) else {
            throw LifeboatError(.corrupted, "identity dump \(dump.name) lacks its encrypted file \(manifest.encryptedFile)")
        }
        guard Hex.encode(SHA256.hash(data: encrypted)) == manifest.encryptedSHA256 else {
            throw LifeboatError(.corrupted, "the encrypted file of identity dump \(dump.name) does not match its manifest's SHA-256")
        }
        return (manifest, Array(encrypted))
    }

    /// The encrypted `.age` bytes of a dump, exactly as stored: all that export hands out.
    public static func export(_ reference: String, repository: Repository, node: String) async throws -> Data {
        let dump = try await find(reference, repository: repository, node: node)
        return Data(try await files(of: dump, repository: repository).encrypted)
    }

    /// Finds a dump and decrypts it with the age identities in `identityFile`.
    public static func open(
        _ reference: String, repository: Repository, node: String, identityFile: String
    ) async throws -> IdentityDumpDocument {
        let dump = try await find(reference, repository: repository, node: node)
        let encrypted = try await files(of: dump, repository: repository).encrypted
        return try decrypt(encrypted, identities: try loadIdentities(identityFile))
    }

    /// Decrypts an age file holding a dump.
    public static func decrypt(_ file: [UInt8], identities: [AgeX25519Identity]) throws -> IdentityDumpDocument {
        do {
            return try IdentityDumpDocument.decode(try Age.decrypt(file, identities: identities))
        } catch let error as LifeboatError where error.code == .wrongPassword {
            throw LifeboatError(
                .wrongPassword, "the identity file does not open this dump: it is encrypted to other age recipients (\(error.message))")
        }
    }

    /// Decrypts a passphrase-encrypted age file holding a dump.
    public static func decrypt(_ file: [UInt8], passphrase: String) throws -> IdentityDumpDocument {
        try IdentityDumpDocument.decode(try Age.decrypt(file, passphrase: passphrase))
    }

    /// The age identities in a file written by `lifeboat identity keygen` or `age-keygen`.
    public static func loadIdentities(_ path: String) throws -> [AgeX25519Identity] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw LifeboatError(.invalidArgument, "cannot read age identity file \(path): \(reason)")
        }
        do {
            return try Age.parseIdentityFile(String(decoding: data, as: UTF8.self))
        } catch let error as LifeboatError {
            throw LifeboatError(error.code, "age identity file \(path): \(error.message)")
        }
    }
}
