import Foundation

extension CronExpression {
    /// The macros vixie cron accepts in place of five fields, and what they stand for.
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    static let monthNames = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ]
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Splits `text` into its five field texts (expanding a macro) and the normalised source text.
    static func fieldTexts(of text: String) throws -> (fields: [Substring], source: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            throw LifeboatError(
                .invalidArgument,
                "cron expression is empty; write five fields (minute hour day-of-month month day-of-week) or a macro such as @daily"
            )
        }
        if trimmed.hasPrefix("@") {
            let macro = trimmed.lowercased()
            if macro == "@reboot" {
                throw LifeboatError(
                    .invalidArgument,
                    "\"\(trimmed)\" runs at start-up, not on a schedule; use a cron expression or an interval"
                )
            }
            guard let expansion = macros[macro] else {
                throw LifeboatError(
                    .invalidArgument,
                    "unknown cron macro \"\(trimmed)\" (use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)"
                )
            }
            return (expansion.split(separator: " "), macro)
        }
        let fields = trimmed.split(whereSeparator: { $0.isWhitespace })
        guard fields.count == 5 else {
            let noun = fields.count == 1 ? "field" : "fields"
            throw LifeboatError(
                .invalidArgument, "\"\(trimmed)\" has \(fields.count) \(noun); cron needs 5")
        }
        return (fields, fields.joined(separator: " "))
    }

    /// Parses one field: a comma-separated list of `*`, values, ranges, each with an optional `/step`.
    static func parseField(_ text: Substring, as kind: CronField.Kind) throws -> CronField {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw fieldError(kind, text, "empty list item")
            }
            mask |= try parseItem(item, of: text, as: kind)
        }
        if kind == .dayOfWeek, mask & (1 << 7) != 0 {
            // 7 is another name for Sunday; keep one bit per weekday.
            mask = (mask & ~(1 << 7)) | 1
        }
        return CronField(mask: mask, startsWithStar: text.hasPrefix("*"))
    }

    private static func parseItem(
        _ item: Substring, of field: Substring, as kind: CronField.Kind
    )
        throws -> UInt64
    {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw fieldError(kind, field, "\"\(item)\" has more than one \"/\"")
        }
        let base = parts[0]
        var step = 1
        if parts.count == 2 {
            let stepText = parts[1]
            guard !stepText.isEmpty, stepText.allSatisfy(\.isASCIIDigit) else {
                throw fieldError(kind, field, "step \"\(stepText)\" in \"\(item)\" is not a number")
            }
            step = Int(stepText) ?? Int.max
            guard step > 0 else {
                throw LifeboatError(
                    .invalidArgument, "step 0 in \"\(item)\" (\(kind.name) field); a step must be at least 1")
            }
        }
        let low: Int
        let high: Int
        if base == "*" {
            low = kind.range.lowerBound
            high = kind.range.upperBound
        } else if base.contains("-") {
            let ends = base.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, !ends[0].isEmpty, !ends[1].isEmpty else {
                throw fieldError(
                    kind, field, "\"\(base)\" is not a valid range (write first-last, e.g. 1-5)")
            }
            low = try parseValue(ends[0], of: field, as: kind)
            high = try parseValue(ends[1], of: field, as: kind)
            guard low <= high else {
                throw fieldError(
                    kind, field,
                    "range \(base) runs backwards; the first value must not be larger than the last")
            }
        } else {
            guard parts.count == 1 else {
                throw fieldError(
                    kind, field,
                    "a step needs * or a range before it, e.g. \(base)-\(kind.range.upperBound)/\(parts[1])")
            }
            let value = try parseValue(base, of: field, as: kind)
            return 1 << UInt64(value)
        }
        var mask: UInt64 = 0
        var value = low
        while value <= high {
            mask |= 1 << UInt64(value)
            let (advanced, overflow) = value.addingReportingOverflow(step)
            if overflow { break }
            value = advanced
        }
        return mask
    }

    private static func parseValue(
        _ token: Substring, of field: Substring, as kind: CronField.Kind
    )
        throws -> Int
    {
        if !token.isEmpty, token.allSatisfy(\.isASCIIDigit) {
            let value = Int(token) ?? Int.max
            guard kind.range.contains(value) else {
                throw fieldError(
                    kind, field, "\(token) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return value
        }
        switch kind {
        case .month:
            guard let index = monthNames.firstIndex(of: token.uppercased()) else {
                throw LifeboatError(
                    .invalidArgument, "unknown month name \"\(token)\" (use JAN-DEC or 1-12)")
            }
            return index + 1
        case .dayOfWeek:
            guard let index = weekdayNames.firstIndex(of: token.uppercased()) else {
                throw LifeboatError(
                    .invalidArgument, "unknown weekday name \"\(token)\" (use SUN-SAT or 0-7)")
            }
            return index
        case .minute, .hour, .dayOfMonth:
            throw fieldError(kind, field, "\"\(token)\" is not a number")
        }
    }

    private static func fieldError(
        _ kind: CronField.Kind, _ field: Substring, _ problem: String
    )
        -> LifeboatError
    {
        LifeboatError(.invalidArgument, "\(kind.name) field \"\(field)\": \(problem)")
    }
}

extension Character {
    /// Whether this is one of `0`…`9` (not any Unicode digit).
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
