import ArgumentParser

/// Which kind of node the demo node stands in for.
enum NodeProfile: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// A Nuts 5 node: datadir stores, keys, trusted issuers, reprocess endpoint.
    case nuts
    /// A Nuts 6 node: DIDs and credentials in `sqlite.db` in the datadir, keys, trusted issuers.
    case nuts6
    /// A Splice validator: validator app and participant databases, identities endpoint.
    case canton
}
