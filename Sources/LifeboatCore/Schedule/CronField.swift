/// One of the five fields of a cron expression, parsed into the set of values it allows.
///
/// The set is a bit mask (bit `n` set = value `n` allowed); every field's
/// range fits in 64 bits, so matching and "next allowed value" are a few
/// instructions.
struct CronField: Hashable, Sendable {
    /// Which field this is; fixes its range, names and error wording.
    enum Kind: Sendable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        /// The name used in error messages and descriptions.
        var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        /// The values the field accepts as written; day-of-week allows 7 for Sunday.
        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }
    }

    /// The allowed values, bit `n` for value `n`; day-of-week keeps Sunday at bit 0 only.
    var mask: UInt64
    /// Whether the field as written starts with `*`, which cron treats as "not restricted".
    ///
    /// `*/2` still restricts the values, but vixie cron keys both the
    /// day-of-month/day-of-week rule and the DST rule on the leading `*`, and so do we.
    var startsWithStar: Bool

    /// Whether `value` is allowed.
    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && mask & (1 << UInt64(value)) != 0
    }

    /// The smallest allowed value that is `value` or more, if any.
    func next(from value: Int) -> Int? {
        guard value < 64 else { return nil }
        let candidates = mask & ~((1 << UInt64(max(value, 0))) - 1)
        return candidates == 0 ? nil : candidates.trailingZeroBitCount
    }

    /// The allowed values in ascending order.
    var values: [Int] {
        (0..<64).filter { contains($0) }
    }

    /// How many values are allowed.
    var count: Int { mask.nonzeroBitCount }
}
