import Foundation
import LifeboatCatalog
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// The files an operator needs to restore a Canton validator from an identity dump.
///
/// The validator imports the dump itself; the kit holds the decrypted dump (0600), a
/// Kubernetes Secret with it under key `content`, the Helm values that import it under a
/// new participant identifier, the docker-compose command line and a checklist. The new
/// identifier is recorded in the catalog first, so no identifier is ever handed out twice.
public enum RestoreKit {
    /// What the kit needs besides the dump.
    public struct Options: Sendable {
        /// The participant identifier the restored node takes; never used by this node before.
        public var newParticipantIdentifier: String
        /// The Helm `nodeIdentifier`; by default the name in the dump's `id` (`PAR::<name>::…`).
        public var nodeIdentifier: String?
        /// The Kubernetes Secret's name.
        public var secretName: String = "participant-identities-dump"
        /// The Kubernetes namespace, if the manifest should name one.
        public var namespace: String?

        /// Options with a new participant identifier.
        public init(newParticipantIdentifier: String) {
            self.newParticipantIdentifier = newParticipantIdentifier
        }
    }

    /// The kit's file names, all inside the output directory.
    public enum File {
        /// The decrypted NodeIdentitiesDump (0600).
        public static let dump = "participant-identities-dump.json"
        /// The Kubernetes Secret manifest (0600: it holds the dump).
        public static let secret = "identities-secret.yaml"
        /// The Helm values snippet.
        public static let values = "values-restore.yaml"
        /// The docker-compose command line.
        public static let compose = "compose-restore.sh"
        /// The operator's checklist.
        public static let checklist = "CHECKLIST.md"
    }

    /// Writes the kit for a decrypted Canton dump into `directory` (created 0700, must be empty).
    ///
    /// - Throws: `.alreadyExists` when the node used the identifier before (the catalog
    ///   remembers) or the dump's own participant has it; `.unsupported` for a non-Canton dump.
    @discardableResult
    public static func write(
        _ document: IdentityDumpDocument, options: Options, directory: String, catalog: Catalog, now: Date = Date()
    ) async throws -> [String] {
        guard document.sourceType == "canton", let dump = document.cantonDump, let id = document.cantonID else {
            throw LifeboatError(
                .unsupported, "dump \(document.name) is a \(document.sourceType) dump; a restore kit is only for Canton validators")
        }
        let newID = options.newParticipantIdentifier
        try checkIdentifier(newID)
        let parts = id.components(separatedBy: "::")
        let currentName = parts.count >= 2 ? parts[1] : id
        if newID == currentName {
            throw LifeboatError(
                .alreadyExists,
                "participant identifier \(newID) is the one in dump \(document.name) (\(id)); a restored participant needs a new one")
        }
        if let used = try await catalog.participantIdentifierUse(node: document.node, identifier: newID) {
            throw LifeboatError(
                .alreadyExists,
                "participant identifier \(newID) was already used by node \(document.node) on \(ISO8601.format(used.firstUsed)); choose a new one"
            )
        }
        try prepare(directory)
        try await catalog.recordParticipantIdentifier(node: document.node, identifier: newID, now: now)
        let nodeIdentifier = options.nodeIdentifier ?? currentName
        let files: [(String, String, mode_t)] = [
            (File.dump, dump, 0o600),
            (File.secret, secretManifest(dump: dump, options: options), 0o600),
            (File.values, helmValues(document, options: options, nodeIdentifier: nodeIdentifier), 0o644),
            (File.compose, composeCommand(document, options: options), 0o755),
            (File.checklist, checklist(document, options: options, nodeIdentifier: nodeIdentifier), 0o644),
        ]
        for (name, text, mode) in files {
            try PrivateFile.save(Array(text.utf8), to: directory + "/" + name, mode: mode)
        }
        return files.map { directory + "/" + $0.0 }
    }

    /// Identifiers become Kubernetes and Canton names: letters, digits, `-`, `_` and `.` only.
    private static func checkIdentifier(_ identifier: String) throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !identifier.isEmpty, identifier.unicodeScalars.allSatisfy({ allowed.contains($0) }), !identifier.contains("::") else {
            throw LifeboatError(
                .invalidArgument, "participant identifier \"\(identifier)\" may only hold letters, digits, -, _ and .")
        }
    }

    /// Creates the output directory 0700, refusing one that holds files.
    private static func prepare(_ directory: String) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory) {
            let entries = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
            guard entries.isEmpty else {
                throw LifeboatError(.alreadyExists, "restore kit directory \(directory) is not empty; give a new or empty directory")
            }
        } else {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
    }

    /// The Secret with the dump under key `content`.
    static func secretManifest(dump: String, options: Options) -> String {
        var lines = [
            "apiVersion: v1", "kind: Secret", "metadata:", "  name: \(options.secretName)",
        ]
        if let namespace = options.namespace { lines.append("  namespace: \(namespace)") }
        lines += ["type: Opaque", "data:", "  content: \(Data(dump.utf8).base64EncodedString())", ""]
        return lines.joined(separator: "\n")
    }

    /// The validator chart values that import the dump under the new identifier.
    static func helmValues(_ document: IdentityDumpDocument, options: Options, nodeIdentifier: String) -> String {
        """
        # Validator Helm values for restoring \(document.node) from identity dump \(document.name).
        # Merge into the values the validator was installed with; keep every other value as it was.
        nodeIdentifier: "\(nodeIdentifier)"
        participantIdentitiesDumpImport:
          secretName: \(options.secretName)
          newParticipantIdentifier: \(options.newParticipantIdentifier)
        migrateValidatorParty: true

        """
    }

    /// The docker-compose deployment's start command.
    static func composeCommand(_ document: IdentityDumpDocument, options: Options) -> String {
        """
        #!/bin/sh
        # Restore \(document.node) from identity dump \(document.name) with the docker-compose deployment.
        # Fill in the values the validator was first started with (same party hint, same onboarding secret).
        set -eu
        ./start.sh -s "$SPONSOR_SV_URL" -o "$ONBOARDING_SECRET" -p "$PARTY_HINT" -m "$MIGRATION_ID" \\
          -i "$(dirname "$0")/\(File.dump)" -P \(options.newParticipantIdentifier) -w

        """
    }

    /// What to check before and after.
    static func checklist(_ document: IdentityDumpDocument, options: Options, nodeIdentifier: String) -> String {
        """
        # Restoring \(document.node) from \(document.name)

        Participant in the dump: `\(document.cantonID ?? "")` (\(document.keys.count) keys, \(document.cantonForm ?? "") form).
        New participant identifier: `\(options.newParticipantIdentifier)` (recorded; Lifeboat will not hand it out again).

        - [ ] Database backups restored too if needed: an identity dump holds keys, not ledger state.
        - [ ] Same party hint as before (the validator party is migrated, not recreated).
        - [ ] Same onboarding secret; Keycloak/OIDC users and clients and existing Kubernetes secrets kept.
        - [ ] `nodeIdentifier` is `\(nodeIdentifier)`, as before.
        - [ ] Participant auto-init disabled during the restore; `migrateValidatorParty: true` set.
        - [ ] Kubernetes: `kubectl apply -f \(File.secret)` then upgrade the validator with `\(File.values)`.
        - [ ] docker-compose: run `\(File.compose)` with the variables filled in.
        - [ ] Afterwards: `/api/validator/readyz` answers, balances and parties are visible.
        - [ ] Delete `\(File.dump)` and `\(File.secret)` from this directory once imported: they hold private keys.

        """
    }
}
