import Foundation

/// A fixed time between runs, written as a Go duration the way the Nuts node configures its backups.
///
/// ```swift
/// let interval = try Interval("1h30m")
/// interval.seconds      // 5400
/// interval.description  // "1h30m"
/// ```
///
/// The syntax is Go's `time.ParseDuration`: one or more number–unit pairs
/// (`90s`, `1h30m`, `1.5h`, `250ms`), units `h`, `m`, `s`, `ms`, `us`/`µs`
/// and `ns`. A backup schedule needs a positive interval of at least one
/// second, so `0`, `-1h` and `500ms` are refused, as are units Go does not
/// know (`1d`) and text without a unit.
public struct Interval: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in nanoseconds, as Go stores a duration.
    let nanoseconds: Int64

    /// The shortest interval a schedule accepts.
    static let minimumNanoseconds: Int64 = 1_000_000_000

    /// Parses a Go duration such as `6h` or `1h30m`; throws `.invalidArgument` naming the bad text.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let total = try Self.parse(trimmed)
        guard total >= Self.minimumNanoseconds else {
            throw LifeboatError(.invalidArgument, "interval \"\(trimmed)\": must be at least 1s")
        }
        nanoseconds = total
    }

    /// The length in seconds.
    public var seconds: TimeInterval { TimeInterval(nanoseconds) / 1e9 }

    /// The canonical text, e.g. `1h30m`, `45s` or `1.5s`; parsing it gives the same interval.
    public var description: String {
        let hours = nanoseconds / 3_600_000_000_000
        let minutes = (nanoseconds / 60_000_000_000) % 60
        let wholeSeconds = (nanoseconds / 1_000_000_000) % 60
        let fraction = nanoseconds % 1_000_000_000
        var text = ""
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if wholeSeconds > 0 || fraction > 0 {
            text += "\(wholeSeconds)"
            if fraction > 0 {
                var digits = String(fraction)
                digits = String(repeating: "0", count: 9 - digits.count) + digits
                while digits.hasSuffix("0") { digits.removeLast() }
                text += ".\(digits)"
            }
            text += "s"
        }
        return text
    }

    /// Orders intervals by length.
    public static func < (lhs: Interval, rhs: Interval) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    private static let units: [String: Int64] = [
        "ns": 1, "us": 1_000, "\u{00B5}s": 1_000, "\u{03BC}s": 1_000, "ms": 1_000_000,
        "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    /// Go's `time.ParseDuration` over unicode scalars, without the negative and zero cases.
    private static func parse(_ text: String) throws -> Int64 {
        func failure(_ problem: String) -> LifeboatError {
            LifeboatError(.invalidArgument, "interval \"\(text)\": \(problem)")
        }
        let scalars = Array(text.unicodeScalars)
        var position = 0
        func slice(_ range: Range<Int>) -> String {
            var result = ""
            result.unicodeScalars.append(contentsOf: scalars[range])
            return result
        }
        if scalars.isEmpty {
            throw failure("empty; write a number and a unit, e.g. 30m or 1h30m")
        }
        if scalars[0] == "-" { throw failure("must not be negative") }
        if scalars[0] == "+" { position = 1 }
        if slice(position..<scalars.count) == "0" { throw failure("must be at least 1s") }
        if position == scalars.count { throw failure("no number after the sign") }

        var total: Int64 = 0
        while position < scalars.count {
            let first = scalars[position]
            if first != ".", !isDigit(first) {
                if first.properties.isAlphabetic {
                    throw failure("expected a number before \"\(slice(position..<scalars.count))\"")
                }
                throw failure("unexpected \"\(String(first))\"; write it without spaces, e.g. 1h30m")
            }
            let numberStart = position
            var whole: Int64 = 0
            var sawWholeDigits = false
            while position < scalars.count, isDigit(scalars[position]) {
                sawWholeDigits = true
                let (shifted, overflow1) = whole.multipliedReportingOverflow(by: 10)
                let (added, overflow2) = shifted.addingReportingOverflow(
                    Int64(scalars[position].value - 48))
                if overflow1 || overflow2 { throw failure("too large") }
                whole = added
                position += 1
            }
            var fraction: Int64 = 0
            var scale: Double = 1
            var sawFractionDigits = false
            if position < scalars.count, scalars[position] == "." {
                position += 1
                while position < scalars.count, isDigit(scalars[position]) {
                    sawFractionDigits = true
                    // Like Go, ignore digits beyond what 63 bits can carry.
                    if scale < 1e18 {
                        fraction = fraction * 10 + Int64(scalars[position].value - 48)
                        scale *= 10
                    }
                    position += 1
                }
            }
            let number = slice(numberStart..<position)
            guard sawWholeDigits || sawFractionDigits else {
                throw failure("\"\(number)\" is not a number")
            }
            let unitStart = position
            while position < scalars.count, scalars[position].properties.isAlphabetic { position += 1 }
            let unit = slice(unitStart..<position)
            if unit.isEmpty {
                if position < scalars.count, scalars[position] != ".", !isDigit(scalars[position]) {
                    throw failure(
                        "unexpected \"\(String(scalars[position]))\"; write it without spaces, e.g. 1h30m")
                }
                throw failure("missing unit after \"\(number)\" (use s, m or h)")
            }
            guard let unitNanoseconds = units[unit] else {
                throw failure("unknown unit \"\(unit)\" (use s, m or h)")
            }
            let (wholePart, overflow1) = whole.multipliedReportingOverflow(by: unitNanoseconds)
            let fractionPart = Double(fraction) * (Double(unitNanoseconds) / scale)
            guard !overflow1, fractionPart < 9.2e18 else { throw failure("too large") }
            let (withFraction, overflow2) = wholePart.addingReportingOverflow(Int64(fractionPart))
            let (sum, overflow3) = total.addingReportingOverflow(withFraction)
            if overflow2 || overflow3 { throw failure("too large") }
            total = sum
        }
        return total
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}

extension Interval: TextCodable {}
