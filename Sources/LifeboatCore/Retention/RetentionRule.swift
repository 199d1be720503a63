/// One `keep-*` rule of a ``RetentionPolicy``: the newest items, or one item per calendar bucket.
public enum RetentionRule: String, Sendable, Codable, CaseIterable {
    /// The N newest items.
    case last
    /// The newest item of each of the last N clock hours that have items.
    case hourly
    /// The newest item of each of the last N calendar days that have items.
    case daily
    /// The newest item of each of the last N ISO weeks (Monday to Sunday) that have items.
    case weekly
    /// The newest item of each of the last N calendar months that have items.
    case monthly
    /// The newest item of each of the last N calendar years that have items.
    case yearly
}
