/// One node Lifeboat protects, from an entry of `nodes:`: its stores, its state schedule and its identity schedule.
///
/// ```yaml
/// - name: nuts-1
///   profile: nuts
///   datadir: /var/lib/nuts
///   stores: [{type: sqlite, path: network/data.db}]
///   backups: {environment: production, repositories: [primary]}
/// ```
public struct NodeConfiguration: Sendable, Hashable {
    /// Which kind of node this is, which decides the restore runbook and defaults.
    public enum Profile: String, Sendable, Hashable, Codable, CaseIterable {
        /// Any node: stores and keys only, no node-specific steps.
        case generic
        /// A Nuts 5 node (BBolt stores, reprocess after restore, filesystem or Vault keys).
        case nuts
        /// A Nuts 6 node: DIDs and credentials in a SQL database (`sqlite.db` in the datadir
        /// by default, or PostgreSQL/MySQL), keys in the filesystem, Vault or Azure Key Vault.
        case nuts6
        /// A Canton / Splice validator (identities dump, ordered PostgreSQL backups).
        case canton
    }

    /// The node's name, unique in the file: `[a-z0-9][a-z0-9-_.]{0,62}`.
    public var name: String
    /// The kind of node.
    public var profile: Profile
    /// The node's data directory (absolute), against which relative store paths are read.
    public var datadir: String?
    /// The data stores a state backup captures, in file order.
    public var stores: [StoreConfiguration]
    /// When state backups run and where they go; nil when the node has no stores.
    public var backups: BackupPlan?
    /// When identity dumps run, where the keys come from and whom they are encrypted to.
    public var identity: IdentityConfiguration?
    /// The node software's version (`5.0` … `5.4` for Nuts, `6.0` … `6.2` for Nuts 6), which decides profile steps.
    public var version: String?
    /// How to stop, start and reach the node during a restore.
    public var control: NodeControl?
    /// Canton: the network's current migration id (Splice `MIGRATION_ID`); a backup taken
    /// under another one cannot restore the validator.
    public var migrationID: Int?
    /// The scheduled restore drill, if the node has one.
    public var drills: DrillPlan? = nil

    /// Creates a node entry; the configuration loader checks the values.
    public init(
        name: String, profile: Profile = .generic, datadir: String? = nil, stores: [StoreConfiguration] = [],
        backups: BackupPlan? = nil, identity: IdentityConfiguration? = nil, version: String? = nil,
        control: NodeControl? = nil, migrationID: Int? = nil, drills: DrillPlan? = nil
    ) {
        self.drills = drills
        self.name = name
        self.profile = profile
        self.datadir = datadir
        self.stores = stores
        self.backups = backups
        self.identity = identity
        self.version = version
        self.control = control
        self.migrationID = migrationID
    }

    /// `path` made absolute: kept if it is, else read inside ``datadir``.
    ///
    /// The loader refuses relative store paths on a node without a datadir, so
    /// a nil datadir here means `path` was absolute.
    public func resolvedPath(_ path: String) -> String {
        guard !path.hasPrefix("/"), let datadir else { return path }
        return ConfigValidator.joinPath(datadir, path)
    }
}

extension NodeConfiguration.Profile {
    /// Whether the node is a Nuts node of either generation (the datadir layout and
    /// `vcr/trusted_issuers.yaml` side file they share).
    public var isNuts: Bool { self == .nuts || self == .nuts6 }
}

extension NodeConfiguration: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, profile, datadir, stores, backups, identity, version, control, drills
        case migrationID = "migration_id"
    }
}
