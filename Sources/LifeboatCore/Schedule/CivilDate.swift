/// A proleptic Gregorian calendar date, computed with integer arithmetic.
///
/// Schedules and retention work on wall-clock fields (year, month, day,
/// weekday, ISO week) many times per call; Foundation's `Calendar` is far
/// slower for that and hides what it does with times a DST change skips or
/// repeats, so the arithmetic lives here (Howard Hinnant's `days_from_civil`).
struct CivilDate: Hashable, Sendable {
    /// The year, e.g. 2026.
    var year: Int64
    /// The month, 1–12.
    var month: Int
    /// The day of the month, 1–31.
    var day: Int

    /// The date `days` days after 1970-01-01.
    init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// The date with the given fields; the caller keeps them in range.
    init(year: Int64, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days from 1970-01-01 to this date (negative before it).
    var daysSinceEpoch: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 0 = Sunday … 6 = Saturday, as cron counts.
    var weekday: Int { Self.weekday(daysSinceEpoch: daysSinceEpoch) }

    /// The weekday (0 = Sunday) of the day `days` after 1970-01-01, a Thursday.
    static func weekday(daysSinceEpoch days: Int64) -> Int {
        Int(((days % 7) + 11) % 7)
    }

    /// The ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the first Thursday).
    var isoWeek: (year: Int64, week: Int) {
        let days = daysSinceEpoch
        let mondayBased = (Self.weekday(daysSinceEpoch: days) + 6) % 7
        let thursday = CivilDate(daysSinceEpoch: days - Int64(mondayBased) + 3)
        let firstOfYear = CivilDate(year: thursday.year, month: 1, day: 1).daysSinceEpoch
        let ordinal = thursday.daysSinceEpoch - firstOfYear
        return (thursday.year, Int(ordinal / 7) + 1)
    }

    /// Whether `year` has a 29 February.
    static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` of `year`.
    static func daysInMonth(_ month: Int, year: Int64) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Integer division rounding toward negative infinity, for times before 1970.
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}
