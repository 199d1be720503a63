import Foundation

/// ISO 8601 timestamps as Lifeboat writes them: UTC with fractional seconds.
public enum ISO8601 {
    /// `2026-11-22T10:00:00.123Z`.
    public static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    /// `2026-11-22T10:00:00+01:00` in a given zone, without fractions: the form people read.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// Parses an ISO 8601 time with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }
}
