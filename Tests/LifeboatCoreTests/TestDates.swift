import Foundation
import Testing

/// Parses an ISO 8601 instant such as `2026-03-29T03:00:00+02:00`, so tables show the local wall time.
func instant(_ text: String) throws -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return try #require(formatter.date(from: text), "test date \(text) is not ISO 8601")
}

/// The zone the DST tests use; present in every tz database.
func amsterdam() throws -> TimeZone {
    try #require(TimeZone(identifier: "Europe/Amsterdam"))
}
