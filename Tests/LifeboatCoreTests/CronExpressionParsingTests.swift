import Foundation
import Testing

@testable import LifeboatCore

@Suite struct CronExpressionParsingTests {
    @Test(arguments: [
        ("0 */6 * *", #""0 */6 * *" has 4 fields; cron needs 5"#),
        ("0 0 * * * *", #""0 0 * * * *" has 6 fields; cron needs 5"#),
        ("daily", #""daily" has 1 field; cron needs 5"#),
        (
            "   ",
            "cron expression is empty; write five fields (minute hour day-of-month month day-of-week) or a macro such as @daily"
        ),
        ("61 * * * *", #"minute field "61": 61 is out of range 0-59"#),
        ("0 24 * * *", #"hour field "24": 24 is out of range 0-23"#),
        ("0 0 0 * *", #"day-of-month field "0": 0 is out of range 1-31"#),
        ("0 0 32 * *", #"day-of-month field "32": 32 is out of range 1-31"#),
        ("0 0 * 13 *", #"month field "13": 13 is out of range 1-12"#),
        ("0 0 * * 8", #"day-of-week field "8": 8 is out of range 0-7"#),
        ("1,61 * * * *", #"minute field "1,61": 61 is out of range 0-59"#),
        ("0 0 * FOO *", #"unknown month name "FOO" (use JAN-DEC or 1-12)"#),
        ("0 0 * * Funday", #"unknown weekday name "Funday" (use SUN-SAT or 0-7)"#),
        ("*/0 * * * *", #"step 0 in "*/0" (minute field); a step must be at least 1"#),
        ("*/x * * * *", #"minute field "*/x": step "x" in "*/x" is not a number"#),
        ("*/ * * * *", #"minute field "*/": step "" in "*/" is not a number"#),
        ("1/2/3 * * * *", #"minute field "1/2/3": "1/2/3" has more than one "/""#),
        ("5/15 * * * *", #"minute field "5/15": a step needs * or a range before it, e.g. 5-59/15"#),
        (
            "0 5-1 * * *",
            #"hour field "5-1": range 5-1 runs backwards; the first value must not be larger than the last"#
        ),
        ("0 -5 * * *", #"hour field "-5": "-5" is not a valid range (write first-last, e.g. 1-5)"#),
        ("1,,2 * * * *", #"minute field "1,,2": empty list item"#),
        ("0 0 JAN * *", #"day-of-month field "JAN": "JAN" is not a number"#),
        ("0 0 * * JAN", #"unknown weekday name "JAN" (use SUN-SAT or 0-7)"#),
        (
            "99999999999999999999 * * * *",
            #"minute field "99999999999999999999": 99999999999999999999 is out of range 0-59"#
        ),
        (
            "@fortnightly",
            "unknown cron macro \"@fortnightly\" (use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)"
        ),
        (
            "@reboot",
            #""@reboot" runs at start-up, not on a schedule; use a cron expression or an interval"#
        ),
    ])
    func invalidExpressionsNameTheProblem(text: String, message: String) throws {
        let error = try #require(throws: LifeboatError.self) { try CronExpression(text) }
        #expect(error.code == .invalidArgument)
        #expect(error.message == message)
    }

    @Test func fieldsParseToTheValuesTheyAllow() throws {
        let cron = try CronExpression("1-30/5,59 9-17/4 */10 JAN-mar,Dec 5-7")
        #expect(cron.minute.values == [1, 6, 11, 16, 21, 26, 59])
        #expect(cron.hour.values == [9, 13, 17])
        #expect(cron.dayOfMonth.values == [1, 11, 21, 31])
        #expect(cron.month.values == [1, 2, 3, 12])
        #expect(cron.dayOfWeek.values == [0, 5, 6])
        #expect(cron.dayOfMonth.startsWithStar && !cron.dayOfWeek.startsWithStar)
        #expect(cron.isFixedTime)
    }

    @Test(arguments: [
        ("30 2 * * *", true), ("0 1-5 * * *", true), ("0 * * * *", false), ("*/30 * * * *", false),
        ("0 */6 * * *", false), ("@daily", true), ("@hourly", false),
    ])
    func fixedTimeFollowsVixieCron(text: String, fixed: Bool) throws {
        #expect(try CronExpression(text).isFixedTime == fixed)
    }

    @Test func sundayMayBeWrittenAsZeroSevenOrName() throws {
        let start = try instant("2026-01-01T00:00:00Z")
        let expected = try CronExpression("0 0 * * 0").nextTimes(after: start, count: 4, in: .gmt)
        for text in ["0 0 * * 7", "0 0 * * SUN", "0 0 * * sun", "0 0 * * 0,7", "0 0 * * 7-7"] {
            #expect(
                try CronExpression(text).nextTimes(after: start, count: 4, in: .gmt) == expected, "\(text)")
        }
        #expect(try CronExpression("0 0 * * 0-7").dayOfWeek.count == 7)
    }
}
