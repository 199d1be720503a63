/// A starting point for schedules and retention, by how much an environment matters.
///
/// | preset | state backups | kept | identity dumps | kept |
/// |---|---|---|---|---|
/// | development | daily `0 0 * * *` | 5 | weekly `0 0 * * 0` | 4 |
/// | staging | every 12 h `0 */12 * * *` | 7 | daily `0 0 * * *` | 7 |
/// | production | every 6 h `0 */6 * * *` | 7 | daily `0 0 * * *` | 14 |
///
/// Production follows the operators' guidance of at least 7 backups and 14 dumps.
public enum EnvironmentPreset: String, Sendable, Codable, CaseIterable {
    /// A developer's node: losing a day is acceptable.
    case development
    /// A shared test network: losing half a day is acceptable.
    case staging
    /// A node others rely on: back up often, keep two weeks of identity dumps.
    case production

    /// When state backups run.
    public var defaultBackupCron: CronExpression {
        switch self {
        case .development: .validLiteral("0 0 * * *")
        case .staging: .validLiteral("0 */12 * * *")
        case .production: .validLiteral("0 */6 * * *")
        }
    }

    /// When identity dumps run.
    public var defaultIdentityCron: CronExpression {
        switch self {
        case .development: .validLiteral("0 0 * * 0")
        case .staging, .production: .validLiteral("0 0 * * *")
        }
    }

    /// How many state backups to keep (the "Max Backup Number").
    public var defaultBackupMax: Int {
        switch self {
        case .development: 5
        case .staging, .production: 7
        }
    }

    /// How many identity dumps to keep (the "Max Dump Number").
    public var defaultIdentityMax: Int {
        switch self {
        case .development: 4
        case .staging: 7
        case .production: 14
        }
    }
}
