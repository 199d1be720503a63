import ArgumentParser

/// The Nuts node release the demo node imitates: it decides the store files and the
/// reprocess calls a restore needs (PRODUCT.md, "Nuts node").
enum NutsVersion: String, CaseIterable, Sendable, ExpressibleByArgument {
    case v5_0 = "5.0"
    case v5_3 = "5.3"
    case v5_4 = "5.4"

    /// Content types of the transactions on the network (DID documents, credentials, revocations).
    static let didType = "application/did+json"
    /// A verifiable credential.
    static let credentialType = "application/vc+json"
    /// A credential revocation.
    static let revocationType = "application/ld+json;type=revocation"

    /// The credential stores under `vcr/` that a restore copies back (names without `.db`).
    var credentialStores: [String] {
        switch self {
        case .v5_0, .v5_3: ["backup-issued-credentials"]
        case .v5_4: ["backup-credentials", "backup-issued-credentials", "backup-revoked-credentials"]
        }
    }

    /// The datadir-relative store files a restore copies back, in Nuts's list order.
    var restoredStores: [String] {
        ["network/data.db"] + credentialStores.map { "vcr/\($0).db" } + ["vdr/didstore.db"]
    }

    /// The reprocess calls a restored node needs, in the order the Nuts docs list them.
    var reprocessTypes: [String] {
        switch self {
        case .v5_0: [Self.credentialType, Self.revocationType]
        case .v5_3: [Self.credentialType, Self.revocationType, Self.didType]
        case .v5_4: []
        }
    }
}
