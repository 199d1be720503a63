import ArgumentParser

/// Which kind of node the demo node stands in for.
enum NodeProfile: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// A Nuts node: datadir stores, keys, trusted issuers, reprocess endpoint.
    case nuts
    /// A Splice validator: validator app and participant databases, identities endpoint.
    case canton
}
