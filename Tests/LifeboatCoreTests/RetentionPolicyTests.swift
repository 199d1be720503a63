import Foundation
import Testing

import LifeboatCore

@Suite struct RetentionPolicyTests {
    struct Snapshot: Equatable {
        let label: String
        let time: Date
    }

    /// Snapshots from `"yyyy-MM-dd HH:mm:ss[.f]"` texts read as UTC, labelled with that text.
    static func snapshots(_ texts: [String]) throws -> [Snapshot] {
        try texts.map { text in
            Snapshot(label: text, time: try instant(text.replacingOccurrences(of: " ", with: "T") + "Z"))
        }
    }

    static func render(_ reasons: [(item: Snapshot, matches: [RetentionMatch])]) -> [String] {
        reasons.map { "\($0.item.label) \($0.matches.map(\.description).joined(separator: ", "))" }
    }

    @Test(arguments: ResticPolicyFixture.cases)
    func matchesResticGoldenResults(_ testCase: ResticPolicyFixture.ResticCase) throws {
        let items = try Self.snapshots(ResticPolicyFixture.resticSnapshots)
        let result = testCase.policy.apply(to: items, time: \.time)
        #expect(Self.render(result.reasons) == testCase.expected)
        #expect(result.keep.map(\.label) == result.reasons.map(\.item.label))
        #expect(result.keep.count + result.remove.count == items.count)
        #expect(zip(result.remove, result.remove.dropFirst()).allSatisfy { $0.time >= $1.time })
    }

    /// The example in restic's forget documentation: weekday backups, a missed Wednesday, extra ones on Fridays.
    @Test func resticDocumentationKeepDailyExample() throws {
        let items = try Self.snapshots([
            "2025-04-21 11:00:00", "2025-04-22 11:00:00", "2025-04-23 11:00:00", "2025-04-24 11:00:00",
            "2025-04-25 11:00:00", "2025-04-25 23:00:00", "2025-04-28 11:00:00", "2025-04-29 11:00:00",
            "2025-05-01 11:00:00", "2025-05-02 11:00:00", "2025-05-02 23:00:00",
        ])
        let result = RetentionPolicy(keepDaily: 5).apply(to: items, time: \.time)
        #expect(
            Set(result.keep.map(\.label)) == [
                "2025-04-25 23:00:00", "2025-04-28 11:00:00", "2025-04-29 11:00:00", "2025-05-01 11:00:00",
                "2025-05-02 23:00:00",
            ])
        #expect(
            Set(result.remove.map(\.label)) == [
                "2025-04-21 11:00:00", "2025-04-22 11:00:00", "2025-04-23 11:00:00", "2025-04-24 11:00:00",
                "2025-04-25 11:00:00", "2025-05-02 11:00:00",
            ])
        #expect(result.reasons.allSatisfy { $0.matches == [RetentionMatch(rule: .daily)] })
    }

    /// restic's documented arithmetic for one backup a day over many years.
    @Test func resticDocumentationHundredYearsExample() throws {
        let start = try instant("1926-01-01T12:00:00Z")
        let days = (0..<(100 * 365)).map { start.addingTimeInterval(Double($0) * 86_400) }
        let policy = RetentionPolicy(keepDaily: 7, keepWeekly: 5, keepMonthly: 12, keepYearly: 75)
        let result = policy.apply(to: days, time: { $0 })
        let count = { (rule: RetentionRule) in result.reasons.filter { $0.matches.map(\.rule).contains(rule) }.count }
        let onlyWeekly = result.reasons.filter { $0.matches.map(\.rule) == [.weekly] }.count
        #expect(count(.daily) == 7)
        #expect(count(.weekly) == 5 && onlyWeekly == 4)
        #expect(count(.monthly) == 12 && count(.yearly) == 75)
        #expect((96...98).contains(result.keep.count))
    }

    @Test func keepLastKeepsTheNewestRegardlessOfInputOrder() throws {
        let items = try Self.snapshots(["2026-01-03 00:00:00", "2026-01-01 00:00:00", "2026-01-04 00:00:00", "2026-01-02 00:00:00"])
        let result = RetentionPolicy(keepLast: 2).apply(to: items, time: \.time)
        #expect(result.keep.map(\.label) == ["2026-01-04 00:00:00", "2026-01-03 00:00:00"])
        #expect(result.remove.map(\.label) == ["2026-01-02 00:00:00", "2026-01-01 00:00:00"])
        #expect(Self.render(result.reasons) == ["2026-01-04 00:00:00 last snapshot", "2026-01-03 00:00:00 last snapshot"])
    }

    @Test func bucketsFollowTheGivenTimeZone() throws {
        // 23:30 UTC on 1 March is already 2 March in Amsterdam: two UTC days, one Amsterdam day.
        let items = try Self.snapshots(["2026-03-01 22:30:00", "2026-03-01 23:30:00"])
        let policy = RetentionPolicy(keepDaily: 5)
        #expect(policy.apply(to: items, time: \.time).keep.count == 1 + 1)
        let amsterdamResult = policy.apply(to: items, time: \.time, in: try amsterdam())
        #expect(amsterdamResult.keep.map(\.label) == ["2026-03-01 23:30:00", "2026-03-01 22:30:00"])
        #expect(amsterdamResult.reasons.map(\.matches) == [[RetentionMatch(rule: .daily)], [RetentionMatch(rule: .daily, isOldest: true)]])
        let weekly = RetentionPolicy(keepWeekly: 1).apply(to: items, time: \.time, in: try amsterdam())
        #expect(weekly.keep.map(\.label) == ["2026-03-01 23:30:00"])
    }

    @Test func weeksAreISOWeeksAcrossTheYearBoundary() throws {
        // 2026-12-31 (Thu) and 2027-01-03 (Sun) share ISO week 2026-W53; 2027-01-04 starts W01.
        let items = try Self.snapshots(["2026-12-28 08:00:00", "2026-12-31 08:00:00", "2027-01-03 08:00:00", "2027-01-04 08:00:00"])
        let result = RetentionPolicy(keepWeekly: 2).apply(to: items, time: \.time)
        #expect(result.keep.map(\.label) == ["2027-01-04 08:00:00", "2027-01-03 08:00:00"])
        let yearly = RetentionPolicy(keepYearly: 1).apply(to: items, time: \.time)
        #expect(yearly.keep.map(\.label) == ["2027-01-04 08:00:00"])
    }

    @Test func emptyPolicyKeepsEverything() throws {
        let items = try Self.snapshots(["2026-01-01 00:00:00", "2026-01-02 00:00:00"])
        for policy in [RetentionPolicy(), RetentionPolicy(keepLast: 0, keepDaily: 0)] {
            #expect(policy.isEmpty)
            let result = policy.apply(to: items, time: \.time)
            #expect(result.keep.map(\.label) == ["2026-01-02 00:00:00", "2026-01-01 00:00:00"])
            #expect(result.remove.isEmpty)
            #expect(result.reasons.allSatisfy { $0.matches.isEmpty })
        }
        #expect(!RetentionPolicy(keepMonthly: 1).isEmpty)
        #expect(RetentionPolicy().apply(to: [Snapshot](), time: \.time).keep.isEmpty)
    }

    @Test func negativeCountsAreRejectedByName() throws {
        let error = try #require(throws: LifeboatError.self) { try RetentionPolicy(keepLast: 3, keepWeekly: -1).validate() }
        #expect(error.message == "keep-weekly -1 is negative; use a count of 1 or more, or leave the rule unset")
        try RetentionPolicy(keepLast: 3, keepWeekly: .max).validate()
    }

    @Test func codesWithOnlyTheRulesThatAreSet() throws {
        let policy = RetentionPolicy(keepLast: 7, keepDaily: 14)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(policy)
        #expect(String(decoding: data, as: UTF8.self) == #"{"keepDaily":14,"keepLast":7}"#)
        #expect(try JSONDecoder().decode(RetentionPolicy.self, from: data) == policy)
    }
}
