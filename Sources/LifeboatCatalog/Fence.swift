import Foundation

/// A fencing token: issued each time a node restore puts an identity's private keys on a
/// node, one higher than the last issued for the same identity, so that of two nodes holding
/// the same keys the one with the lower token is known to be the stale one that must not run.
public struct Fence: Sendable, Hashable {
    /// The identity: the fingerprint of the identity dump's public key material.
    public var fingerprint: String
    /// 1 for the first restore of the identity, one more for each later one.
    public var token: Int64
    /// The node the keys were restored to.
    public var node: String
    /// The node restore job.
    public var job: JobID
    /// The identity dump restored (its name).
    public var dump: String
    /// What the identity presents itself as: key ids, DIDs, a Canton participant id or namespace.
    public var markers: [String]
    /// The addresses of the original node that were probed before the restore.
    public var originals: [String]
    /// Whether the operator said the original had been stopped (`--i-have-stopped-the-original`)
    /// while it still answered with the identity.
    public var overridden: Bool
    /// When the token was issued.
    public var issuedAt: Date

    /// Creates a fence; the catalog assigns the token when it records one.
    public init(
        fingerprint: String, token: Int64 = 0, node: String, job: JobID, dump: String, markers: [String], originals: [String],
        overridden: Bool, issuedAt: Date
    ) {
        self.fingerprint = fingerprint
        self.token = token
        self.node = node
        self.job = job
        self.dump = dump
        self.markers = markers
        self.originals = originals
        self.overridden = overridden
        self.issuedAt = issuedAt
    }
}
