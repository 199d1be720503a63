extension CronExpression {
    /// A plain-English reading, e.g. "every 6 hours, at minute 0" or "every Sunday at 02:00".
    ///
    /// Common shapes get a short phrase; anything else is spelled out field by
    /// field, always describing exactly the times ``next(after:in:)`` picks.
    public var humanDescription: String {
        let days = dayClause
        let months = monthClause
        switch timePhrase {
        case .atTimes(let times):
            switch days {
            case .none:
                return "every day\(months.map { " in \($0)" } ?? "") at \(times)"
            case .weekdays(let weekdays):
                return "every \(weekdays)\(months.map { " in \($0)" } ?? "") at \(times)"
            case .daysOfMonth(let daysOfMonth):
                return "at \(times) on \(daysOfMonth) of \(months ?? "every month")"
            case .other(let clause):
                return "at \(times) \(clause)\(months.map { " in \($0)" } ?? "")"
            }
        case .repeating(let phrase):
            var text = phrase
            switch days {
            case .none: break
            case .weekdays(let weekdays): text += " on \(weekdays)"
            case .daysOfMonth(let daysOfMonth): text += " on \(daysOfMonth) of the month"
            case .other(let clause): text += " \(clause)"
            }
            if let months { text += " in \(months)" }
            return text
        }
    }

    private enum TimePhrase {
        /// A handful of wall-clock times, e.g. "00:00 and 12:30".
        case atTimes(String)
        /// A self-contained phrase such as "every 15 minutes".
        case repeating(String)
    }

    private enum DayClause {
        case none
        /// Weekday names, e.g. "Monday to Friday".
        case weekdays(String)
        /// Day-of-month numbers with their noun, e.g. "day 1" or "days 1 and 15".
        case daysOfMonth(String)
        /// A complete clause starting with "on".
        case other(String)
    }

    private var timePhrase: TimePhrase {
        let allMinutes = minute.count == 60
        let allHours = hour.count == 24
        let minuteStep = Self.step(of: minute, dividing: 60)
        let hourList = Self.numberList(hour.values)
        let hourNoun = hour.count == 1 ? "hour" : "hours"
        if allMinutes {
            return .repeating(allHours ? "every minute" : "every minute during \(hourNoun) \(hourList)")
        }
        if let minuteStep {
            let every = "every \(minuteStep) minutes"
            return .repeating(allHours ? every : "\(every) during \(hourNoun) \(hourList)")
        }
        let atMinutes =
            "at \(minute.count == 1 ? "minute" : "minutes") \(Self.numberList(minute.values))"
        if allHours {
            return .repeating("every hour, \(atMinutes)")
        }
        if let hourStep = Self.step(of: hour, dividing: 24) {
            return .repeating("every \(hourStep) hours, \(atMinutes)")
        }
        if minute.count * hour.count <= 4 {
            let times = hour.values.flatMap { h in minute.values.map { m in Self.clock(h, m) } }
            return .atTimes(Self.phrase(times))
        }
        return .repeating("\(atMinutes) past \(hourNoun) \(hourList)")
    }

    private var dayClause: DayClause {
        let allDaysOfMonth = dayOfMonth.count == 31
        let allWeekdays = dayOfWeek.count == 7
        let daysOfMonth =
            "\(dayOfMonth.count == 1 ? "day" : "days") \(Self.numberList(dayOfMonth.values))"
        let weekdays = Self.nameList(dayOfWeek.values, names: Self.weekdayFullNames)
        if !dayOfMonth.startsWithStar && !dayOfWeek.startsWithStar {
            // Either field may match, so a field allowing everything makes every day match.
            if allDaysOfMonth || allWeekdays { return .none }
            return .other("on \(daysOfMonth) of the month and on every \(weekdays)")
        }
        switch (allDaysOfMonth, allWeekdays) {
        case (true, true): return .none
        case (true, false): return .weekdays(weekdays)
        case (false, true): return .daysOfMonth(daysOfMonth)
        case (false, false): return .other("on \(daysOfMonth) of the month if it is a \(weekdays)")
        }
    }

    private var monthClause: String? {
        month.count == 12 ? nil : Self.nameList(month.values, names: [""] + Self.monthFullNames)
    }

    private static let weekdayFullNames = [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    ]
    private static let monthFullNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]

    /// The step `n` when the field is exactly `0, n, 2n, …` and `n` divides the cycle, else nil.
    private static func step(of field: CronField, dividing cycle: Int) -> Int? {
        let values = field.values
        guard values.count >= 2, values[0] == 0 else { return nil }
        let step = values[1]
        guard cycle % step == 0, values.count == cycle / step else { return nil }
        return values.enumerated().allSatisfy { $0.element == $0.offset * step } ? step : nil
    }

    private static func clock(_ hour: Int, _ minute: Int) -> String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    /// Numbers with runs of three or more collapsed: `1, 2, 3, 7` → "1 to 3 and 7".
    private static func numberList(_ values: [Int]) -> String {
        phrase(expandedRuns(values) { "\($0)" })
    }

    private static func nameList(_ values: [Int], names: [String]) -> String {
        phrase(expandedRuns(values) { names[$0] })
    }

    /// Each run of three or more consecutive values as "first to last", shorter runs value by value.
    private static func expandedRuns(_ values: [Int], _ name: (Int) -> String) -> [String] {
        runs(values).flatMap { run -> [String] in
            run.count >= 3 ? ["\(name(run.lowerBound)) to \(name(run.upperBound))"] : run.map(name)
        }
    }

    private static func runs(_ values: [Int]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        for value in values {
            if let last = runs.last, last.upperBound + 1 == value {
                runs[runs.count - 1] = last.lowerBound...value
            } else {
                runs.append(value...value)
            }
        }
        return runs
    }

    /// "a", "a and b", "a, b and c".
    private static func phrase(_ items: [String]) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }
}
