import Foundation
import LifeboatCore
import Testing

@Suite struct IntervalTests {
    @Test(arguments: [
        ("1s", 1.0, "1s"), ("90s", 90, "1m30s"), ("30m", 1800, "30m"), ("6h", 21_600, "6h"),
        ("1h30m", 5400, "1h30m"), ("30m1h", 5400, "1h30m"), ("1.5h", 5400, "1h30m"),
        ("+2h", 7200, "2h"),
        ("1500ms", 1.5, "1.5s"), ("2000000us", 2, "2s"), ("3000000000ns", 3, "3s"),
        ("1\u{00B5}s1s", 1.000001, "1.000001s"), (".5m", 30, "30s"), ("1h0m0s", 3600, "1h"),
        ("48h", 172_800, "48h"), (" 15m\n", 900, "15m"), ("1h1h", 7200, "2h"),
    ])
    func parsesGoDurations(text: String, seconds: Double, canonical: String) throws {
        let interval = try Interval(text)
        #expect(abs(interval.seconds - seconds) < 1e-9)
        #expect(interval.description == canonical)
        #expect(try Interval(canonical) == interval)
    }

    @Test(arguments: [
        ("1d", #"interval "1d": unknown unit "d" (use s, m or h)"#),
        ("2w", #"interval "2w": unknown unit "w" (use s, m or h)"#),
        ("0", #"interval "0": must be at least 1s"#),
        ("0s", #"interval "0s": must be at least 1s"#),
        ("500ms", #"interval "500ms": must be at least 1s"#),
        ("-1h", #"interval "-1h": must not be negative"#),
        ("h", #"interval "h": expected a number before "h""#),
        ("10", #"interval "10": missing unit after "10" (use s, m or h)"#),
        ("1h30", #"interval "1h30": missing unit after "30" (use s, m or h)"#),
        (".h", #"interval ".h": "." is not a number"#),
        ("1h 30m", #"interval "1h 30m": unexpected " "; write it without spaces, e.g. 1h30m"#),
        ("", #"interval "": empty; write a number and a unit, e.g. 30m or 1h30m"#),
        ("+", #"interval "+": no number after the sign"#),
        ("99999999999h", #"interval "99999999999h": too large"#),
    ])
    func rejectsWithTheBadText(text: String, message: String) throws {
        let error = try #require(throws: LifeboatError.self) { try Interval(text) }
        #expect(error.code == .invalidArgument)
        #expect(error.message == message)
    }

    @Test func ordersByLengthAndCodesAsText() throws {
        let short = try Interval("90s")
        let long = try Interval("1h")
        #expect(short < long)
        let data = try JSONEncoder().encode([long, short])
        #expect(String(decoding: data, as: UTF8.self) == #"["1h","1m30s"]"#)
        #expect(try JSONDecoder().decode([Interval].self, from: data) == [long, short])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Interval].self, from: Data(#"["1d"]"#.utf8))
        }
    }
}
