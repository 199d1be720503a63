import AsyncHTTPClient
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatRepository
import Logging

/// What a key restore did.
public struct IdentityRestoreSummary: Codable, Sendable, Hashable {
    /// Where the keys went: a directory or a Vault location.
    public var target: String
    /// Keys that did not exist and were written.
    public var written: [String] = []
    /// Keys that existed with the same content and were left alone.
    public var unchanged: [String] = []
    /// Keys that existed with other content and were replaced (only with force).
    public var replaced: [String] = []
}

/// Puts a dump's keys back where the node reads them: the Nuts key directory or Vault.
///
/// A key that exists with different content is never overwritten without `force`: replacing
/// a node's live key with an old one is the one mistake a restore must not make silently.
public struct IdentityRestorer: Sendable {
    /// The node whose identity source receives the keys.
    public let node: NodeConfiguration
    /// The client for Vault.
    public let httpClient: HTTPClient
    /// Where progress is logged.
    public let logger: Logger
    /// The environment token variables are read from.
    public let environment: [String: String]

    /// Creates a restorer.
    public init(
        node: NodeConfiguration, httpClient: HTTPClient = .shared, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.node = node
        self.httpClient = httpClient
        self.logger = logger
        self.environment = environment
    }

    /// Finds a dump in `repository`, decrypts it with `identityFile` and restores its keys.
    public func restore(
        _ reference: String, from repository: Repository, identityFile: String, force: Bool = false,
        directory: String? = nil
    ) async throws -> IdentityRestoreSummary {
        let document = try await IdentityDumps.open(reference, repository: repository, node: node.name, identityFile: identityFile)
        return try await restore(document, force: force, directory: directory)
    }

    /// Restores the keys of a decrypted dump to the node's identity source (or `directory` for `fs`).
    public func restore(
        _ document: IdentityDumpDocument, force: Bool = false, directory: String? = nil
    ) async throws -> IdentityRestoreSummary {
        guard let identity = node.identity else {
            throw LifeboatError(.invalidArgument, "node \(node.name) has no identity: section; nowhere to restore keys to")
        }
        let keys = try pemKeys(document)
        switch identity.source {
        case .filesystem(let configured):
            return try FilesystemKeyRestore.write(
                keys, into: directory ?? node.resolvedPath(configured), force: force, logger: logger)
        case .vault(let vault):
            let store = try VaultKeyStore(source: vault, client: httpClient, environment: environment)
            try await store.checkToken()
            return try await restore(keys, to: store, force: force)
        case .azureKeyVault(let vault):
            throw LifeboatError(
                .unsupported,
                "node \(node.name) keeps its keys in Azure Key Vault \(vault.url), non-exportable: they are not restored from a dump but with Azure's key restore (az keyvault key restore) or by recovering the soft-deleted vault"
            )
        case .canton:
            throw LifeboatError(
                .unsupported,
                "Canton identities are restored by the validator itself: run `lifeboat identity restore-kit \(node.name) \(document.name) --new-participant-id ID …`"
            )
        }
    }

    /// The PEM keys of a dump; a Canton dump cannot go to a Nuts key store.
    private func pemKeys(_ document: IdentityDumpDocument) throws -> [(name: String, pem: String)] {
        try document.keys.map { key in
            guard key.format == .pkcs8PEM, let pem = key.material else {
                throw LifeboatError(
                    .unsupported,
                    "key \(key.name) of dump \(document.name) is a \(key.format.rawValue) key, not a PEM key for a Nuts key store")
            }
            try FilesystemKeyRestore.checkName(key.name)
            return (key.name, pem)
        }
    }

    /// Writes keys to Vault, refusing to replace a different key without `force`.
    private func restore(
        _ keys: [(name: String, pem: String)], to store: VaultKeyStore, force: Bool
    ) async throws -> IdentityRestoreSummary {
        var summary = IdentityRestoreSummary(target: store.location)
        var existing: [String: String] = [:]
        for key in keys {
            if let current = try await store.read(key.name) { existing[key.name] = current }
        }
        let conflicts = keys.filter { key in existing[key.name].map { $0 != key.pem } ?? false }.map(\.name)
        if !conflicts.isEmpty && !force {
            throw LifeboatError(
                .alreadyExists,
                "Vault \(store.location) already holds a different key for \(conflicts.joined(separator: ", ")); nothing was written (pass --force to replace)"
            )
        }
        for key in keys {
            if existing[key.name] == key.pem {
                summary.unchanged.append(key.name)
                continue
            }
            try await store.write(key.name, pem: key.pem)
            if existing[key.name] == nil { summary.written.append(key.name) } else { summary.replaced.append(key.name) }
        }
        logger.info(
            "identity keys restored to vault",
            metadata: ["keys.written": "\(summary.written.count)", "keys.replaced": "\(summary.replaced.count)"])
        return summary
    }
}
