import Foundation

/// When a backup job runs: a cron expression read in a time zone, or a fixed interval.
///
/// ```swift
/// let schedule = Schedule.cron(try CronExpression("0 */6 * * *"), timeZone: .gmt)
/// schedule.next(after: .now)
/// try Schedule(parsing: "1h30m")  // .interval
/// ```
///
/// In JSON a schedule is `{"cron": "0 */6 * * *", "timeZone": "Europe/Amsterdam"}`
/// or `{"interval": "1h30m"}`.
public enum Schedule: Sendable, Hashable {
    /// Runs at the times a cron expression matches, wall-clock fields read in `timeZone`.
    case cron(CronExpression, timeZone: TimeZone)
    /// Runs every `Interval`, counted from the previous run (or from start-up for the first).
    case interval(Interval)

    /// Reads a cron expression (five fields or an `@` macro) or, failing that shape, an interval such as `6h`.
    ///
    /// Text with whitespace inside or a leading `@` is cron; anything else is an interval.
    public init(parsing text: String, timeZone: TimeZone = .gmt) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("@") || trimmed.contains(where: { $0.isWhitespace }) {
            self = .cron(try CronExpression(trimmed), timeZone: timeZone)
        } else {
            self = .interval(try Interval(trimmed))
        }
    }

    /// The next run strictly after `date`: the next cron match, or `date` plus the interval.
    ///
    /// `nil` only for a cron expression that can never match (e.g. `0 0 30 2 *`).
    public func next(after date: Date) -> Date? {
        switch self {
        case .cron(let expression, let timeZone):
            expression.next(after: date, in: timeZone)
        case .interval(let interval):
            date.addingTimeInterval(interval.seconds)
        }
    }

    /// Up to `count` successive runs after `date`, e.g. to show an operator what is coming.
    public func nextTimes(after date: Date, count: Int) -> [Date] {
        switch self {
        case .cron(let expression, let timeZone):
            return expression.nextTimes(after: date, count: count, in: timeZone)
        case .interval(let interval):
            guard count > 0 else { return [] }
            return (1...count).map { date.addingTimeInterval(interval.seconds * Double($0)) }
        }
    }

    /// A plain-English reading, e.g. "every 6 hours, at minute 0 (Europe/Amsterdam)" or "every 1h30m".
    public var humanDescription: String {
        switch self {
        case .cron(let expression, let timeZone):
            "\(expression.humanDescription) (\(timeZone.identifier))"
        case .interval(let interval):
            "every \(interval)"
        }
    }
}

extension Schedule: Codable {
    private enum CodingKeys: String, CodingKey {
        case cron, timeZone, interval
    }

    /// Decodes `{"cron": …, "timeZone": …}` (zone defaults to UTC) or `{"interval": …}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let expression = try container.decodeIfPresent(CronExpression.self, forKey: .cron) {
            guard container.contains(.timeZone) else {
                self = .cron(expression, timeZone: .gmt)
                return
            }
            let identifier = try container.decode(String.self, forKey: .timeZone)
            guard let timeZone = TimeZone(identifier: identifier) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .timeZone, in: container,
                    debugDescription:
                        "unknown time zone \"\(identifier)\" (use an IANA name such as Europe/Amsterdam or UTC)"
                )
            }
            self = .cron(expression, timeZone: timeZone)
        } else if let interval = try container.decodeIfPresent(Interval.self, forKey: .interval) {
            self = .interval(interval)
        } else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "a schedule needs a \"cron\" or an \"interval\" key"))
        }
    }

    /// Encodes the compact form shown in the type's documentation.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .cron(let expression, let timeZone):
            try container.encode(expression, forKey: .cron)
            try container.encode(timeZone.identifier, forKey: .timeZone)
        case .interval(let interval):
            try container.encode(interval, forKey: .interval)
        }
    }
}
