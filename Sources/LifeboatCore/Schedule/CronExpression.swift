import Foundation

/// A standard five-field Unix cron expression: `minute hour day-of-month month day-of-week`.
///
/// ```swift
/// let cron = try CronExpression("0 */6 * * *")
/// let next = cron.next(after: .now, in: TimeZone(identifier: "Europe/Amsterdam")!)
/// cron.humanDescription  // "every 6 hours, at minute 0"
/// ```
///
/// **Syntax** (vixie cron): each field is `*`, a value, a range `1-5`, or a
/// comma-separated list of those, each optionally with a step (`*/15`,
/// `1-30/5`). Months may be written `JAN`–`DEC` and weekdays `SUN`–`SAT`
/// (any case); day-of-week takes 0–7 where both 0 and 7 are Sunday. The
/// macros `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`
/// and `@annually` stand for their usual five fields; `@reboot` is refused.
///
/// **Day rule**: when both day-of-month and day-of-week are restricted
/// (neither field starts with `*`), a day matches when *either* matches —
/// `0 0 1,15 * MON` runs on the 1st, the 15th and every Monday. Otherwise
/// both must match, so `0 0 */2 * MON` runs only on odd-numbered Mondays.
///
/// **Time zone and DST**: fields are matched against wall-clock time in the
/// zone passed to ``next(after:in:)``, and daylight-saving changes follow
/// vixie cron and cronie. A *fixed-time* expression is one whose minute and
/// hour fields both do not start with `*` (`30 2 * * *`, `0 1-5 * * *`);
/// the others (`0 * * * *`, `*/30 * * * *`, `0 */6 * * *`) are *wildcard*.
/// - Spring forward (Europe/Amsterdam, last Sunday of March, 02:00 → 03:00):
///   a fixed-time job whose wall time falls in the skipped hour runs once at
///   the first instant after the jump (03:00 local); wildcard jobs simply
///   have no runs in the hour that does not exist.
/// - Fall back (last Sunday of October, 03:00 → 02:00): a fixed-time job
///   runs only at the first occurrence of its wall time; wildcard jobs run in
///   both copies of the repeated hour, so `0 * * * *` still fires every hour
///   of real time.
///
/// **Search**: ``next(after:in:)`` skips whole months, days and hours that
/// cannot match, walks the zone's UTC-offset periods, and gives up after
/// eight years — the longest gap between two 29 Februaries — so `nil` means
/// the expression can never match (e.g. `0 0 30 2 *`).
///
/// Two expressions are equal when written alike; ``description`` and the
/// `Codable` form are the text with fields separated by single spaces.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written, fields separated by single spaces (a macro in lower case).
    public let description: String
    let minute: CronField
    let hour: CronField
    let dayOfMonth: CronField
    let month: CronField
    let dayOfWeek: CronField

    /// Parses a five-field expression or a macro; throws `.invalidArgument` naming the bad part.
    public init(_ text: String) throws {
        let (fields, source) = try Self.fieldTexts(of: text)
        description = source
        minute = try Self.parseField(fields[0], as: .minute)
        hour = try Self.parseField(fields[1], as: .hour)
        dayOfMonth = try Self.parseField(fields[2], as: .dayOfMonth)
        month = try Self.parseField(fields[3], as: .month)
        dayOfWeek = try Self.parseField(fields[4], as: .dayOfWeek)
    }

    /// Parses a literal the code base itself supplies; a failure is a bug, reported as such.
    static func validLiteral(_ text: StaticString) -> CronExpression {
        do {
            return try CronExpression("\(text)")
        } catch {
            preconditionFailure("built-in cron expression \"\(text)\" does not parse: \(error)")
        }
    }

    /// Whether this is a fixed-time job in the vixie-cron sense, which decides its DST behaviour.
    var isFixedTime: Bool { !minute.startsWithStar && !hour.startsWithStar }

    /// The first matching instant strictly after `date`, with wall-clock fields read in `timeZone`.
    ///
    /// Returns `nil` when nothing matches within eight years, i.e. never.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let after = date.timeIntervalSince1970
        guard after.isFinite, abs(after) < 1e15 else { return nil }
        let earliest = Int64(after.rounded(.down)) + 1
        let horizon = earliest + Self.searchHorizon
        // Start one day early so the offset period before `date` is known:
        // the DST rules depend on what the previous period's wall clock showed.
        var periodStart = earliest - 86_400
        var previousOffset: Int64?
        while periodStart < horizon {
            let offset = Int64(
                timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(periodStart))))
            let periodEnd = min(Self.nextTransition(in: timeZone, after: periodStart) ?? horizon, horizon)
            var wallFrom = max(earliest, periodStart) + offset
            if let previousOffset, isFixedTime {
                if offset > previousOffset {
                    // Wall times in [start + old offset, start + new offset) never happen; a fixed-time job
                    // due in that gap runs at the first instant after the jump.
                    let gap = (periodStart + previousOffset)..<(periodStart + offset)
                    if periodStart >= earliest,
                        firstMatch(from: gap.lowerBound, before: gap.upperBound) != nil
                    {
                        return Date(timeIntervalSince1970: TimeInterval(periodStart))
                    }
                } else if offset < previousOffset {
                    // The wall clock repeats up to start + old offset; a fixed-time job already ran there.
                    wallFrom = max(wallFrom, periodStart + previousOffset)
                }
            }
            if let wall = firstMatch(from: wallFrom, before: periodEnd + offset) {
                return Date(timeIntervalSince1970: TimeInterval(wall - offset))
            }
            previousOffset = offset
            periodStart = periodEnd
        }
        return nil
    }

    /// Up to `count` successive matching instants after `date` (fewer only if the expression stops matching).
    public func nextTimes(after date: Date, count: Int, in timeZone: TimeZone) -> [Date] {
        var times: [Date] = []
        times.reserveCapacity(max(0, min(count, 1024)))
        var cursor = date
        while times.count < count, let next = next(after: cursor, in: timeZone) {
            times.append(next)
            cursor = next
        }
        return times
    }

    /// How far ahead ``next(after:in:)`` looks: eight years of 366 days.
    static let searchHorizon: Int64 = 8 * 366 * 86_400

    /// The next instant after `seconds` at which `timeZone` changes its UTC offset, in whole seconds.
    private static func nextTransition(in timeZone: TimeZone, after seconds: Int64) -> Int64? {
        guard
            let transition = timeZone.nextDaylightSavingTimeTransition(
                after: Date(timeIntervalSince1970: TimeInterval(seconds)))
        else { return nil }
        let value = transition.timeIntervalSince1970.rounded(.up)
        guard value.isFinite, value < 1e15 else { return nil }
        // Guard against a zone database that reports the same instant again: always move forward.
        return max(Int64(value), seconds + 1)
    }

    /// The first matching wall-clock minute at or after `wall` and before `limit`.
    ///
    /// Both are "local seconds": wall-clock fields counted as if they were UTC
    /// seconds since 1970, so a wall time is one integer and civil arithmetic
    /// never meets a DST change.
    func firstMatch(from wall: Int64, before limit: Int64) -> Int64? {
        var days = floorDivide(wall + 59, 86_400)
        let secondOfDay = wall + 59 - days * 86_400
        var hourOfDay = Int(secondOfDay / 3600)
        var minuteOfHour = Int((secondOfDay % 3600) / 60)
        var date = CivilDate(daysSinceEpoch: days)
        func startNextDay() {
            days += 1
            date = CivilDate(daysSinceEpoch: days)
            hourOfDay = 0
            minuteOfHour = 0
        }
        while days * 86_400 + Int64(hourOfDay * 3600 + minuteOfHour * 60) < limit {
            if !month.contains(date.month) {
                var year = date.year
                let nextMonth: Int
                if let later = month.next(from: date.month + 1), later <= 12 {
                    nextMonth = later
                } else {
                    year += 1
                    nextMonth = month.next(from: 1) ?? 1
                }
                date = CivilDate(year: year, month: nextMonth, day: 1)
                days = date.daysSinceEpoch
                hourOfDay = 0
                minuteOfHour = 0
                continue
            }
            if !dayMatches(date, weekday: CivilDate.weekday(daysSinceEpoch: days)) {
                startNextDay()
                continue
            }
            guard let matchingHour = hour.next(from: hourOfDay), matchingHour < 24 else {
                startNextDay()
                continue
            }
            if matchingHour != hourOfDay {
                hourOfDay = matchingHour
                minuteOfHour = 0
            }
            guard let matchingMinute = minute.next(from: minuteOfHour), matchingMinute < 60 else {
                if hourOfDay == 23 {
                    startNextDay()
                } else {
                    hourOfDay += 1
                    minuteOfHour = 0
                }
                continue
            }
            let candidate = days * 86_400 + Int64(hourOfDay * 3600 + matchingMinute * 60)
            return candidate < limit ? candidate : nil
        }
        return nil
    }

    /// The day rule: either field may match when both are restricted, otherwise both must.
    func dayMatches(_ date: CivilDate, weekday: Int) -> Bool {
        let byDayOfMonth = dayOfMonth.contains(date.day)
        let byWeekday = dayOfWeek.contains(weekday)
        if dayOfMonth.startsWithStar || dayOfWeek.startsWithStar {
            return byDayOfMonth && byWeekday
        }
        return byDayOfMonth || byWeekday
    }
}

extension CronExpression: TextCodable {}
