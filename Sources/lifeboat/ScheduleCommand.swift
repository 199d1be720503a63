import ArgumentParser
import Foundation
import LifeboatCore

/// `lifeboat schedule next`: shows when a cron expression or interval fires next.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Work with backup schedules.", subcommands: [Next.self])

    /// `lifeboat schedule next "EXPR" [--count N] [--from ISO8601] [--tz ZONE]`.
    struct Next: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next run times of a cron expression or interval (ISO 8601 with offsets).")

        @Argument(help: "A 5-field cron expression (\"0 */6 * * *\", \"@daily\") or an interval (\"1h30m\").")
        var expression: String

        @Option(name: .long, help: "How many run times to print (1-1000).")
        var count = 5

        @Option(name: .long, help: "Start after this time (ISO 8601, e.g. 2026-03-28T12:00:00Z); default now.")
        var from: String?

        @Option(name: .customLong("tz"), help: "Time zone for cron fields and the printed times (e.g. Europe/Amsterdam); default UTC.")
        var timeZone = "UTC"

        @Flag(name: .long, help: "Print JSON: the expression's reading and the times.")
        var json = false

        /// What `schedule next --json` prints.
        struct JSONResult: Encodable {
            var expression: String
            var description: String
            var times: [String]
        }

        func run() async throws {
            try await runReporting {
                guard (1...1000).contains(count) else {
                    throw LifeboatError(.invalidArgument, "--count \(count) is out of range; give 1 to 1000")
                }
                guard let zone = TimeZone(identifier: timeZone) else {
                    throw LifeboatError(.invalidArgument, "--tz \"\(timeZone)\" is not a known time zone (try Europe/Amsterdam or UTC)")
                }
                var start = Date()
                if let from {
                    guard let parsed = ISO8601.parse(from) else {
                        throw LifeboatError(.invalidArgument, "--from \"\(from)\" is not an ISO 8601 time such as 2026-03-28T12:00:00Z")
                    }
                    start = parsed
                }
                let schedule = try Schedule(parsing: expression, timeZone: zone)
                let times = schedule.nextTimes(after: start, count: count).map { ISO8601.format($0, in: zone) }
                if json {
                    try Output.json(JSONResult(expression: expression, description: schedule.humanDescription, times: times))
                    return
                }
                if times.isEmpty {
                    Output.warn("\"\(expression)\" never fires")
                    throw ExitCode(ExitStatus.failure)
                }
                for t in times { Output.line(t) }
            }
        }
    }
}
