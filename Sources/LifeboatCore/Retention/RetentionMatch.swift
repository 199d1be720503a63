/// Why a ``RetentionPolicy`` kept an item: one rule that chose it.
public struct RetentionMatch: Sendable, Hashable, CustomStringConvertible {
    /// The rule that chose the item.
    public var rule: RetentionRule
    /// Whether the item is the oldest one, kept because the rule had counts left over.
    ///
    /// As in restic, when there are fewer buckets than a rule may keep, the
    /// oldest item is kept as well, so the history reaches as far back as it can.
    public var isOldest: Bool

    /// Creates a match.
    public init(rule: RetentionRule, isOldest: Bool = false) {
        self.rule = rule
        self.isOldest = isOldest
    }

    /// restic's wording, e.g. "daily snapshot" or "oldest yearly snapshot".
    public var description: String {
        (isOldest ? "oldest " : "") + "\(rule.rawValue) snapshot"
    }
}
