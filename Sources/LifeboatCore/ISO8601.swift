import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// ISO 8601 timestamps as Lifeboat writes them: UTC with fractional seconds.
///
/// The UTC forms are formatted and parsed here with the C library rather than with
/// `ISO8601DateFormatter`, which loads ICU's calendar and time-zone data (about 6 MiB of
/// a backup's resident memory) for what is plain arithmetic.
public enum ISO8601 {
    /// `2026-11-22T10:00:00.123Z` (milliseconds, rounded).
    public static func format(_ date: Date) -> String {
        // Milliseconds since 1970 rounded half up, as Foundation's formatter does (checked
        // against it on 200,000 random dates).
        let t = date.timeIntervalSince1970
        guard t.isFinite, abs(t) < 1e14 else { return "1970-01-01T00:00:00.000Z" }
        let total = Int64((t * 1000 + 0.5).rounded(.down))
        var seconds = time_t(total / 1000)
        var fraction = Int(total % 1000)
        if fraction < 0 {
            fraction += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return Self.pad(Int(parts.tm_year) + 1900, 4) + "-" + Self.pad(Int(parts.tm_mon) + 1, 2) + "-" + Self.pad(Int(parts.tm_mday), 2)
            + "T" + Self.pad(Int(parts.tm_hour), 2) + ":" + Self.pad(Int(parts.tm_min), 2) + ":" + Self.pad(Int(parts.tm_sec), 2)
            + "." + Self.pad(fraction, 3) + "Z"
    }

    /// `2026-11-22T10:00:00+01:00` in a given zone, without fractions: the form people read.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; fractions are kept to the millisecond.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for c in b[from..<(from + count)] {
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        func byte(_ at: Int) -> UInt8? { at < b.count ? b[at] : nil }
        guard let year = number(0, 4), byte(4) == UInt8(ascii: "-"), let month = number(5, 2), byte(7) == UInt8(ascii: "-"),
            let day = number(8, 2), byte(10) == UInt8(ascii: "T") || byte(10) == UInt8(ascii: "t"), let hour = number(11, 2),
            byte(13) == UInt8(ascii: ":"), let minute = number(14, 2), byte(16) == UInt8(ascii: ":"), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var at = 19
        var fraction = 0.0
        if byte(at) == UInt8(ascii: ".") {
            at += 1
            var scale = 0.1
            let start = at
            while let c = byte(at), c >= 48 && c <= 57 {
                fraction += Double(c - 48) * scale
                scale /= 10
                at += 1
            }
            guard at > start else { return nil }
        }
        var offset = 0
        switch byte(at) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            at += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let h = number(at + 1, 2), byte(at + 3) == UInt8(ascii: ":"), let m = number(at + 4, 2), h < 24, m < 60 else {
                return nil
            }
            offset = (h * 3600 + m * 60) * (byte(at) == UInt8(ascii: "-") ? -1 : 1)
            at += 6
        default:
            return nil
        }
        guard at == b.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        // timegm normalizes 31 February into March: such a date is not a date.
        guard parts.tm_mday == Int32(day), parts.tm_mon == Int32(month - 1) else { return nil }
        let milliseconds = (fraction * 1000).rounded() / 1000
        return Date(timeIntervalSince1970: Double(seconds - offset) + milliseconds)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
