import AsyncHTTPClient
import Crypto
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatRepository
import Logging

/// Takes a node's identity dump: reads and validates its keys, encrypts them with age, stores the ciphertext.
///
/// ```swift
/// let dumper = IdentityDumper(node: node, httpClient: .shared, logger: logger)
/// let summary = try await dumper.dump(into: repository)   // snapshot kind .identity
/// ```
///
/// The plaintext exists only in memory. The snapshot holds `<name>/<name>.age` and a
/// non-secret `<name>/manifest.json`, so the repository password alone opens no key.
public struct IdentityDumper: Sendable {
    /// The node whose identity is dumped; it must have an `identity:` section.
    public let node: NodeConfiguration
    /// The client for Vault and Canton requests.
    public let httpClient: HTTPClient
    /// Where progress is logged (never a secret).
    public let logger: Logger
    /// The environment token variables are read from.
    public let environment: [String: String]
    /// Where the encrypted file is staged before it enters the repository.
    public let stagingParent: String

    /// Creates a dumper.
    public init(
        node: NodeConfiguration, httpClient: HTTPClient = .shared, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        stagingParent: String = NSTemporaryDirectory()
    ) {
        self.node = node
        self.httpClient = httpClient
        self.logger = logger
        self.environment = environment
        self.stagingParent = stagingParent
    }

    /// The node's identity section, or a message saying it has none.
    var identity: IdentityConfiguration {
        get throws {
            guard let identity = node.identity else {
                throw LifeboatError(
                    .invalidArgument, "node \(node.name) has no identity: section in the configuration; add one to take identity dumps")
            }
            return identity
        }
    }

    /// Reads the keys from the node's source and validates them; the result is the dump's plaintext.
    ///
    /// - Throws: a `LifeboatError` naming what was wrong: an unreachable source, a status
    ///   other than 200, no keys, a key that does not parse.
    public func collect(now: Date = Date()) async throws -> IdentityDumpDocument {
        let identity = try self.identity
        let collected: CollectedIdentity
        switch identity.source {
        case .filesystem(let directory):
            collected = try FilesystemKeySource.collect(directory: node.resolvedPath(directory))
        case .vault(let vault):
            collected = try await VaultKeySource.collect(vault, client: httpClient, environment: environment, logger: logger)
        case .canton(let canton):
            collected = try await CantonIdentitiesSource.collect(canton, client: httpClient, environment: environment, logger: logger)
        case .azureKeyVault(let vault):
            // Never an empty dump that looks like a success: say why there is none and what protects the keys.
            throw LifeboatError(
                .unsupported,
                "node \(node.name) keeps its private keys in Azure Key Vault \(vault.url), which the Nuts node creates non-exportable: no identity dump can hold them; \(vault.backupAdvice)"
            )
        }
        guard !collected.keys.isEmpty else {
            let what =
                switch identity.source {
                case .filesystem: "holds no *_private.pem file"
                case .vault: "has no entries under \(VaultKeyStore.folder)"
                case .canton, .azureKeyVault: "returned no keys"
                }
            throw LifeboatError(
                .notFound, "identity source \(collected.source) of node \(node.name) \(what); refusing to store an empty dump")
        }
        return IdentityDumpDocument(
            name: IdentityDumpSummary.name(node: node.name, date: now), node: node.name,
            sourceType: identity.source.typeName, source: collected.source, created: now, keys: collected.keys,
            cantonID: collected.cantonID, cantonForm: collected.cantonForm, cantonDump: collected.cantonDump)
    }

    /// Collects, validates, encrypts and stores one dump as a snapshot of kind `identity`.
    ///
    /// - Parameter encryption: whom to encrypt to; the node's `recipients` when nil.
    public func dump(
        into repository: Repository, encryption: DumpEncryption? = nil, now: Date = Date()
    ) async throws -> IdentityDumpSummary {
        let encryption = try encryption ?? DumpEncryption.configured(try self.identity.recipients)
        let document = try await collect(now: now)
        return try await store(document, into: repository, encryption: encryption)
    }

    /// Encrypts an already validated document and stores it.
    public func store(
        _ document: IdentityDumpDocument, into repository: Repository, encryption: DumpEncryption
    ) async throws -> IdentityDumpSummary {
        let ciphertext = try encryption.encrypt(try document.encoded())
        let fileName = document.name + ".age"
        let manifest = document.manifest(
            encryptedFile: fileName, encryptedSHA256: Hex.encode(SHA256.hash(data: ciphertext)),
            recipients: encryption.manifestRecipients)
        let staging = try StagingDirectory(parent: stagingParent)
        defer { staging.remove() }
        let directory = try staging.makeDirectory(document.name)
        try PrivateFile.save(ciphertext, to: directory + "/" + fileName)
        let manifestJSON = try IdentityDumpDocument.encoder.encode(manifest)
        try PrivateFile.save(Array(manifestJSON), to: directory + "/" + IdentityDumps.manifestFile, mode: 0o644)

        var summary = IdentityDumpSummary(
            name: document.name, node: document.node, created: document.created, keyCount: document.keys.count,
            fingerprint: document.fingerprint, sourceType: document.sourceType, snapshotID: "")
        var options = BackupOptions()
        options.kind = .identity
        options.node = document.node
        options.root = staging.path
        options.tags = summary.tags
        let result = try await repository.backup(paths: [directory], options: options)
        guard result.warnings.isEmpty else {
            throw LifeboatError(
                .io, "identity dump \(document.name) was stored incomplete: \(result.warnings.joined(separator: "; "))")
        }
        // Read back: the listing's dates are the stored ones, to the stored precision.
        guard let stored = IdentityDumpSummary(try await repository.loadSnapshot(result.id)) else {
            throw LifeboatError(.internalError, "snapshot \(result.id.short) of identity dump \(document.name) lost its tags")
        }
        summary = stored
        logger.info(
            "identity dump stored",
            metadata: [
                "dump.name": "\(document.name)", "dump.keys": "\(document.keys.count)", "snapshot.id": "\(result.id.short)",
            ])
        return summary
    }
}
