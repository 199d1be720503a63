import Crypto
import Foundation
import LifeboatCore

/// Lays out a Nuts datadir: the module directories, filesystem private keys and the trusted
/// issuers file, leaving what exists alone.
enum NutsDatadir {
    /// Whether the datadir looks freshly restored: stores present but no `events/` directory
    /// (the restore procedure removes `events` and does not bring it back).
    static func looksRestored(_ datadir: String) -> Bool {
        let files = FileManager.default
        return files.fileExists(atPath: datadir + "/network/data.db") && !files.fileExists(atPath: datadir + "/events")
    }

    /// The node DID the node presents (`network.node_did` in a Nuts 5 node's diagnostics): the
    /// DID whose keys are in `crypto/`, the first in order when there are several; nil when no
    /// key id is a DID URL.
    static func nodeDID(_ datadir: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: datadir + "/crypto")) ?? []
        return names.filter { $0.hasSuffix("_private.pem") && $0.hasPrefix("did:") && $0.contains("#") }.sorted().first
            .map { String($0.prefix { $0 != "#" }) }
    }

    /// Creates the directories, two P-256 keys (PKCS#8 PEM, 0600, directory 0700) and
    /// `vcr/trusted_issuers.yaml` when missing.
    static func prepare(_ datadir: String) throws {
        let files = FileManager.default
        do {
            for module in ["network", "vcr", "vdr", "events"] {
                try files.createDirectory(
                    atPath: datadir + "/" + module, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            }
            let crypto = datadir + "/crypto"
            try files.createDirectory(atPath: crypto, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let keys = try files.contentsOfDirectory(atPath: crypto).filter { $0.hasSuffix("_private.pem") }
            if keys.isEmpty {
                // Key ids as a Nuts 5 node names them: the node DID's verification methods,
                // `did:nuts:<id>#<fragment>`, one file each (`<kid>_private.pem`).
                let did = "did:nuts:\(randomHex(16))"
                for _ in 0..<2 {
                    let kid = "\(did)#\(randomHex(12))"
                    let pem = P256.Signing.PrivateKey().pemRepresentation + "\n"
                    guard
                        files.createFile(
                            atPath: crypto + "/\(kid)_private.pem", contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600])
                    else { throw LifeboatError(.io, "could not write a private key into \(crypto)") }
                }
            }
            let issuers = datadir + "/vcr/trusted_issuers.yaml"
            if !files.fileExists(atPath: issuers) {
                let yaml = """
                    NutsOrganizationCredential:
                      - did:nuts:\(randomHex(12))
                      - did:nuts:\(randomHex(12))
                    NutsAuthorizationCredential:
                      - did:nuts:\(randomHex(12))

                    """
                try Data(yaml.utf8).write(to: URL(fileURLWithPath: issuers))
            }
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError(.io, "could not prepare the datadir \(datadir): \(error.localizedDescription)", cause: error)
        }
    }
}
