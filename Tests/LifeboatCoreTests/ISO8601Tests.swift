import Foundation
import LifeboatCore
import Testing

/// The C-library ISO 8601 formatting must agree with Foundation's `ISO8601DateFormatter`,
/// which wrote every timestamp in repositories and catalogs before it.
@Suite struct ISO8601Tests {
    static func reference(_ options: ISO8601DateFormatter.Options) -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = options
        return f
    }

    @Test func formatMatchesFoundationOnRandomDates() {
        let foundation = Self.reference([.withInternetDateTime, .withFractionalSeconds])
        var rng = SystemRandomNumberGenerator()
        // (A time exactly halfway between two milliseconds may round either way in either.)
        var dates = [0, -0.5, 1.9996, 1.0004, 1.9994, 951_782_400, 4_102_444_799.9996].map(Date.init(timeIntervalSince1970:))
        for _ in 0..<2000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2e9...5e9, using: &rng))) }
        for date in dates {
            #expect(ISO8601.format(date) == foundation.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func parseMatchesFoundation() throws {
        let withFraction = Self.reference([.withInternetDateTime, .withFractionalSeconds])
        let plain = Self.reference([.withInternetDateTime])
        for text in [
            "2026-11-22T10:00:00.123Z", "2026-11-22T10:00:00Z", "2026-11-22T10:00:00+01:00", "2026-11-22T10:00:00.5-05:30",
            "2024-02-29T23:59:59.999Z", "1969-12-31T23:59:59.500Z", "2026-11-22T10:00:00.123456Z",
        ] {
            let expected = try #require(withFraction.date(from: text) ?? plain.date(from: text), "\(text)")
            let got = try #require(ISO8601.parse(text), "\(text)")
            #expect(abs(got.timeIntervalSince1970 - expected.timeIntervalSince1970) < 0.0005, "\(text)")
        }
        for bad in [
            "", "2026-11-22 10:00:00Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-22T10:00:00", "2026-11-22T10:00Z",
            "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00Zjunk", "2026-11-22T25:00:00Z",
        ] {
            #expect(ISO8601.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func formatThenParseKeepsTheMillisecond() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let date = Date(timeIntervalSince1970: (Double.random(in: 0...4e9, using: &rng) * 1000).rounded() / 1000)
            let back = ISO8601.parse(ISO8601.format(date))
            #expect(back.map { abs($0.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.0005 } == true)
        }
    }
}
