import Foundation
import Testing

@testable import LifeboatCore

@Suite struct CronExpressionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String
        let zone: String
        let start: String
        let expected: [String]
        var testDescription: String { "\(expression) after \(start) in \(zone)" }

        init(_ expression: String, in zone: String = "UTC", after start: String, _ expected: [String]) {
            self.expression = expression
            self.zone = zone
            self.start = start
            self.expected = expected
        }
    }

    static let cases: [Case] = [
        Case(
            "0 */6 * * *", after: "2026-01-01T05:00:00Z",
            [
                "2026-01-01T06:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T18:00:00Z",
                "2026-01-02T00:00:00Z",
            ]),
        // Strictly after: a start on a match moves on to the next one.
        Case("0 */6 * * *", after: "2026-01-01T06:00:00Z", ["2026-01-01T12:00:00Z"]),
        Case("0 */6 * * *", after: "2026-01-01T05:59:59.999Z", ["2026-01-01T06:00:00Z"]),
        // 2026-01-01 is a Thursday.
        Case(
            "0 2 * * 0", after: "2026-01-01T00:00:00Z", ["2026-01-04T02:00:00Z", "2026-01-11T02:00:00Z"]),
        Case(
            "@weekly", after: "2026-01-01T00:00:00Z", ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
        Case(
            "0 0 * * 7", after: "2026-01-01T00:00:00Z", ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
        Case("0 0 * * sun", after: "2026-01-01T00:00:00Z", ["2026-01-04T00:00:00Z"]),
        Case(
            "0 0 * * 5-7", after: "2026-01-01T00:00:00Z",
            [
                "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z",
                "2026-01-09T00:00:00Z",
            ]),
        Case(
            "0 0 29 2 *", after: "2026-03-01T00:00:00Z", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        // 2100 is not a leap year: the longest gap between two 29 Februaries.
        Case("0 0 29 2 *", after: "2096-03-01T00:00:00Z", ["2104-02-29T00:00:00Z"]),
        // Both day fields restricted: the 1st, the 15th, and every Monday.
        Case(
            "0 0 1,15 * MON", after: "2026-01-01T00:00:00Z",
            [
                "2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z", "2026-01-15T00:00:00Z",
                "2026-01-19T00:00:00Z",
                "2026-01-26T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z",
            ]),
        // Day-of-month starts with *: both must match, so odd-numbered Mondays only.
        Case(
            "0 0 */2 * MON", after: "2026-01-01T00:00:00Z",
            [
                "2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z",
                "2026-02-23T00:00:00Z",
            ]),
        Case(
            "0 0 * * 1-5", after: "2026-01-02T00:00:00Z",
            [
                "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z",
                "2026-01-08T00:00:00Z",
                "2026-01-09T00:00:00Z", "2026-01-12T00:00:00Z",
            ]),
        Case("0 0 * * MON-FRI", after: "2026-01-02T00:00:00Z", ["2026-01-05T00:00:00Z"]),
        Case(
            "*/15 * * * *", after: "2026-01-01T23:50:00Z",
            ["2026-01-02T00:00:00Z", "2026-01-02T00:15:00Z", "2026-01-02T00:30:00Z"]),
        Case("*/15 * * * *", after: "2026-01-01T10:07:30.500Z", ["2026-01-01T10:15:00Z"]),
        Case(
            "1-30/10 * * * *", after: "2026-01-01T10:00:00Z",
            [
                "2026-01-01T10:01:00Z", "2026-01-01T10:11:00Z", "2026-01-01T10:21:00Z",
                "2026-01-01T11:01:00Z",
            ]),
        Case(
            "0 12 1 jan,Jul *", after: "2026-02-01T00:00:00Z",
            ["2026-07-01T12:00:00Z", "2027-01-01T12:00:00Z", "2027-07-01T12:00:00Z"]),
        Case(
            "0 0 1 MAR-MAY/2 *", after: "2026-01-01T00:00:00Z",
            ["2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z", "2027-03-01T00:00:00Z"]),
        Case(
            "30 1 1 * *", after: "2026-01-31T00:00:00Z", ["2026-02-01T01:30:00Z", "2026-03-01T01:30:00Z"]),
        Case(
            "0 0 31 * *", after: "2026-01-31T00:00:00Z",
            [
                "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z",
                "2026-08-31T00:00:00Z",
            ]),
        Case(
            "@yearly", after: "2026-06-01T00:00:00Z", ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]),
        Case("59 23 31 12 *", after: "2026-12-31T23:59:00Z", ["2027-12-31T23:59:00Z"]),
        Case(
            "0 9-17/4 * * *", after: "2026-01-01T00:00:00Z",
            [
                "2026-01-01T09:00:00Z", "2026-01-01T13:00:00Z", "2026-01-01T17:00:00Z",
                "2026-01-02T09:00:00Z",
            ]),
        Case(
            "@hourly", after: "1969-12-31T22:30:00Z", ["1969-12-31T23:00:00Z", "1970-01-01T00:00:00Z"]),
        // Wall-clock fields are read in the given zone.
        Case(
            "0 0 * * *", in: "America/New_York", after: "2026-01-01T00:00:00Z",
            ["2026-01-01T00:00:00-05:00", "2026-01-02T00:00:00-05:00"]),

        // Spring forward in Amsterdam, 2026-03-29 02:00 CET → 03:00 CEST.
        // A fixed-time job due in the skipped hour runs once at the jump.
        Case(
            "30 2 * * *", in: "Europe/Amsterdam", after: "2026-03-28T00:00:00+01:00",
            ["2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]),
        Case(
            "0 2 * * *", in: "Europe/Amsterdam", after: "2026-03-29T00:00:00+01:00",
            ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"]),
        Case(
            "0 3 * * *", in: "Europe/Amsterdam", after: "2026-03-29T00:00:00+01:00",
            ["2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00"]),
        Case(
            "30 2 * * *", in: "Europe/Amsterdam", after: "2026-03-29T03:10:00+02:00",
            ["2026-03-30T02:30:00+02:00"]),
        // Wildcard jobs have no runs in the hour that does not exist.
        Case(
            "0 * * * *", in: "Europe/Amsterdam", after: "2026-03-29T00:30:00+01:00",
            ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"]),
        Case(
            "*/30 * * * *", in: "Europe/Amsterdam", after: "2026-03-29T01:00:00+01:00",
            ["2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"]),

        // Fall back in Amsterdam, 2026-10-25 03:00 CEST → 02:00 CET: 02:00–02:59 happens twice.
        // A fixed-time job runs at the first copy only.
        Case(
            "30 2 * * *", in: "Europe/Amsterdam", after: "2026-10-24T12:00:00+02:00",
            ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]),
        Case(
            "30 2 * * *", in: "Europe/Amsterdam", after: "2026-10-25T02:10:00+01:00",
            ["2026-10-26T02:30:00+01:00"]),
        Case(
            "30 2 * * *", in: "Europe/Amsterdam", after: "2026-10-25T02:45:00+02:00",
            ["2026-10-26T02:30:00+01:00"]),
        // Wildcard jobs run in both copies.
        Case(
            "0 * * * *", in: "Europe/Amsterdam", after: "2026-10-25T01:30:00+02:00",
            ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]),
        Case(
            "*/30 * * * *", in: "Europe/Amsterdam", after: "2026-10-25T01:45:00+02:00",
            [
                "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00",
                "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00",
            ]),
        Case(
            "0 */6 * * *", in: "Europe/Amsterdam", after: "2026-10-24T20:00:00+02:00",
            ["2026-10-25T00:00:00+02:00", "2026-10-25T06:00:00+01:00"]),
    ]

    @Test(arguments: cases)
    func nextTimes(_ testCase: Case) throws {
        let cron = try CronExpression(testCase.expression)
        let zone = try #require(TimeZone(identifier: testCase.zone))
        let expected = try testCase.expected.map(instant)
        let actual = cron.nextTimes(after: try instant(testCase.start), count: expected.count, in: zone)
        #expect(actual == expected, "got \(actual.map { $0.formatted(.iso8601) })")
    }

    @Test(arguments: ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 FEB *"])
    func impossibleExpressionsHaveNoNextTime(_ text: String) throws {
        let cron = try CronExpression(text)
        #expect(cron.next(after: try instant("2026-01-01T00:00:00Z"), in: .gmt) == nil)
        #expect(
            cron.nextTimes(after: try instant("2026-01-01T00:00:00Z"), count: 3, in: try amsterdam())
                .isEmpty)
    }

    @Test func nextAfterIsStrictlyIncreasingOverAYearOfDSTChanges() throws {
        let zone = try amsterdam()
        for text in ["*/7 * * * *", "30 2 * * *", "0 * * * *", "15 1-3 * * *"] {
            let times = try CronExpression(text).nextTimes(
                after: try instant("2026-01-01T00:00:00Z"), count: 2000, in: zone)
            #expect(times.count == 2000)
            #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "\(text)")
        }
    }

    /// Checks the field-skipping search against a minute-by-minute walk using Foundation's calendar.
    ///
    /// In UTC every expression is compared; in Amsterdam only wildcard ones,
    /// whose DST rule is "every real minute whose wall clock matches".
    @Test(arguments: ["UTC", "Europe/Amsterdam"])
    func matchesAMinuteByMinuteWalk(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let expressions = [
            "*/15 * * * *", "0 * * * *", "*/20 2 * * *", "5 */3 * * 1-5", "* 2 29 * *",
            "0 0 1,15 * MON", "30 2 * * *", "0 1-4 * * SUN", "0 0 */2 * MON", "45 23 * 3,10 *",
        ]
        let starts = try [
            "2026-03-28T22:17:00Z", "2026-10-24T23:59:30Z", "2026-02-27T12:00:00Z",
            "2026-12-31T20:00:00Z",
        ].map(instant)
        for text in expressions {
            let cron = try CronExpression(text)
            if zoneName != "UTC" && cron.isFixedTime { continue }
            for start in starts {
                var expected: Date?
                var minute = calendar.dateInterval(of: .minute, for: start)?.end ?? start
                let limit = start.addingTimeInterval(4 * 86_400)
                while minute < limit {
                    let fields = calendar.dateComponents(
                        [.minute, .hour, .day, .month, .weekday], from: minute)
                    let matched =
                        cron.minute.contains(fields.minute ?? -1) && cron.hour.contains(fields.hour ?? -1)
                        && cron.month.contains(fields.month ?? -1)
                        && cron.dayMatches(
                            CivilDate(year: 0, month: fields.month ?? 0, day: fields.day ?? 0),
                            weekday: (fields.weekday ?? 0) - 1)
                    if matched {
                        expected = minute
                        break
                    }
                    minute += 60
                }
                let actual = cron.next(after: start, in: zone)
                if let expected {
                    #expect(actual == expected, "\(text) after \(start)")
                } else {
                    #expect(actual.map { $0 >= limit } ?? true, "\(text) after \(start)")
                }
            }
        }
    }

    @Test func searchSkipsByFieldsRatherThanMinutes() throws {
        // 200 yearly matches in a DST zone: a minute walk would visit ~100 million minutes.
        let cron = try CronExpression("30 2 29 2 *")
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            let times = cron.nextTimes(
                after: try instant("2000-01-01T00:00:00Z"), count: 200, in: try amsterdam())
            #expect(times.count == 200)
        }
        #expect(elapsed < .seconds(2))
    }

    @Test func equalTextsAreEqualAndCodableRoundTrips() throws {
        let cron = try CronExpression("  0   */6 * *\t*  ")
        #expect(cron == (try CronExpression("0 */6 * * *")))
        #expect(cron.description == "0 */6 * * *")
        #expect((try CronExpression("@Daily")).description == "@daily")
        let data = try JSONEncoder().encode([cron])
        #expect(String(decoding: data, as: UTF8.self) == #"["0 *\/6 * * *"]"#)
        #expect(try JSONDecoder().decode([CronExpression].self, from: data) == [cron])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([CronExpression].self, from: Data(#"["0 */6 * *"]"#.utf8))
        }
    }

    @Test(arguments: [
        ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"), ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"),
        ("@ANNUALLY", "0 0 1 1 *"),
    ])
    func macrosMatchTheirExpansion(macro: String, fields: String) throws {
        let start = try instant("2026-05-17T13:14:00Z")
        let zone = try amsterdam()
        #expect(
            try CronExpression(macro).nextTimes(after: start, count: 5, in: zone)
                == CronExpression(fields).nextTimes(after: start, count: 5, in: zone))
    }
}
