import Foundation
import LifeboatCore
import Testing

@Suite struct ScheduleTests {
    @Test func cronScheduleUsesItsTimeZone() throws {
        let schedule = Schedule.cron(try CronExpression("0 2 * * *"), timeZone: try amsterdam())
        #expect(
            schedule.next(after: try instant("2026-06-01T00:00:00+02:00"))
                == (try instant("2026-06-01T02:00:00+02:00")))
        #expect(schedule.humanDescription == "every day at 02:00 (Europe/Amsterdam)")
    }

    @Test func intervalScheduleAddsTheInterval() throws {
        let schedule = Schedule.interval(try Interval("1h30m"))
        let start = try instant("2026-06-01T00:00:00Z")
        #expect(schedule.next(after: start) == start.addingTimeInterval(5400))
        #expect(
            schedule.nextTimes(after: start, count: 3)
                == [5400.0, 10_800, 16_200].map(start.addingTimeInterval))
        #expect(schedule.humanDescription == "every 1h30m")
    }

    @Test(arguments: [
        ("0 */6 * * *", true), ("@daily", true), ("6h", false), (" 1h30m ", false),
    ])
    func parsingPicksCronOrInterval(text: String, isCron: Bool) throws {
        let schedule = try Schedule(parsing: text, timeZone: try amsterdam())
        switch schedule {
        case .cron(let expression, let zone):
            #expect(isCron)
            #expect(expression == (try CronExpression(text)))
            #expect(zone.identifier == "Europe/Amsterdam")
        case .interval(let interval):
            #expect(!isCron)
            #expect(interval == (try Interval(text)))
        }
    }

    @Test func parsingReportsTheUnderlyingProblem() throws {
        let cron = try #require(throws: LifeboatError.self) { try Schedule(parsing: "0 */6 * *") }
        #expect(cron.message == #""0 */6 * *" has 4 fields; cron needs 5"#)
        let interval = try #require(throws: LifeboatError.self) { try Schedule(parsing: "1d") }
        #expect(interval.message == #"interval "1d": unknown unit "d" (use s, m or h)"#)
    }

    @Test func codesAsCompactJSON() throws {
        let schedules: [Schedule] = [
            .cron(try CronExpression("0 */6 * * *"), timeZone: try amsterdam()),
            .interval(try Interval("90m")),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(schedules)
        #expect(
            String(decoding: data, as: UTF8.self)
                == #"[{"cron":"0 *\/6 * * *","timeZone":"Europe\/Amsterdam"},{"interval":"1h30m"}]"#)
        #expect(try JSONDecoder().decode([Schedule].self, from: data) == schedules)
        let utc = try JSONDecoder().decode(Schedule.self, from: Data(#"{"cron":"@daily"}"#.utf8))
        #expect(utc == .cron(try CronExpression("@daily"), timeZone: .gmt))
        for bad in [
            #"{"cron":"@daily","timeZone":"Mars/Olympus"}"#, #"{"every":"1h"}"#, #"{"interval":"0"}"#,
        ] {
            #expect(throws: DecodingError.self, "\(bad)") {
                try JSONDecoder().decode(Schedule.self, from: Data(bad.utf8))
            }
        }
    }
}
