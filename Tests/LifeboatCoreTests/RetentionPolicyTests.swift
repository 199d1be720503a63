import Foundation
import LifeboatCore
import Testing

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

    /// restic's documented example: one backup a day for 100 years, `--keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75`.
    @Test func resticDocumentationHundredYearsExample() throws {
        // End on Sunday 2025-12-28 so the 7 dailies are exactly one ISO week, as the documentation assumes.
        let end = try instant("2025-12-28T12:00:00Z")
        let days = (0..<(100 * 365)).map { end.addingTimeInterval(-Double($0) * 86_400) }
        let policy = RetentionPolicy(keepDaily: 7, keepWeekly: 5, keepMonthly: 12, keepYearly: 75)
        let result = policy.apply(to: days.shuffled(), time: { $0 })
        let rules = result.reasons.map { $0.matches.map(\.rule) }
        let count = { (rule: RetentionRule) in rules.filter { $0.contains(rule) }.count }
        #expect(
            count(.daily) == 7 && count(.weekly) == 5 && count(.monthly) == 12 && count(.yearly) == 75)
        // "4 last-day-of-the-week ones (since the 7 dailies already include 1 weekly)".
        #expect(rules.filter { $0.contains(.weekly) && !$0.contains(.daily) }.count == 4)
        // Of the 12 monthlies, December 28 is a daily and Sunday November 30 a weekly; of the 75
        // yearlies, 2025's is that same daily: 7 + 4 + 10 + 74.
        #expect(rules.filter { $0 == [.weekly, .monthly] }.count == 1)
        #expect(rules.filter { $0 == [.monthly] }.count == 10)
        #expect(rules.filter { $0 == [.yearly] }.count == 74)
        #expect(result.keep.count == 95)
        #expect(result.keep.first == end)
    }

    @Test func keepLastKeepsTheNewestRegardlessOfInputOrder() throws {
        let items = try Self.snapshots([
            "2026-01-03 00:00:00", "2026-01-01 00:00:00", "2026-01-04 00:00:00", "2026-01-02 00:00:00",
        ])
        let result = RetentionPolicy(keepLast: 2).apply(to: items, time: \.time)
        #expect(result.keep.map(\.label) == ["2026-01-04 00:00:00", "2026-01-03 00:00:00"])
        #expect(result.remove.map(\.label) == ["2026-01-02 00:00:00", "2026-01-01 00:00:00"])
        #expect(
            Self.render(result.reasons) == [
                "2026-01-04 00:00:00 last snapshot", "2026-01-03 00:00:00 last snapshot",
            ])
    }

    @Test func bucketsFollowTheGivenTimeZone() throws {
        // Sunday 1 March 2026 in UTC; in Amsterdam the second one is already Monday 2 March.
        let items = try Self.snapshots(["2026-03-01 22:30:00", "2026-03-01 23:30:00"])
        for rule in [RetentionRule.daily, .weekly] {
            let policy = rule == .daily ? RetentionPolicy(keepDaily: 2) : RetentionPolicy(keepWeekly: 2)
            let utc = policy.apply(to: items, time: \.time)
            #expect(utc.keep.map(\.label) == ["2026-03-01 23:30:00", "2026-03-01 22:30:00"])
            // One UTC bucket: the older item stays only as restic's "oldest" leftover.
            #expect(
                utc.reasons.map(\.matches) == [
                    [RetentionMatch(rule: rule)], [RetentionMatch(rule: rule, isOldest: true)],
                ])
            let local = policy.apply(to: items, time: \.time, in: try amsterdam())
            #expect(
                local.reasons.map(\.matches) == [
                    [RetentionMatch(rule: rule)], [RetentionMatch(rule: rule)],
                ])
        }
        let single = RetentionPolicy(keepDaily: 1)
        #expect(single.apply(to: items, time: \.time).remove.map(\.label) == ["2026-03-01 22:30:00"])
    }

    @Test func weeksAreISOWeeksAcrossTheYearBoundary() throws {
        // 2026-12-31 (Thu) and 2027-01-03 (Sun) share ISO week 2026-W53; 2027-01-04 starts W01.
        let items = try Self.snapshots([
            "2026-12-28 08:00:00", "2026-12-31 08:00:00", "2027-01-03 08:00:00", "2027-01-04 08:00:00",
        ])
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
        let error = try #require(throws: LifeboatError.self) {
            try RetentionPolicy(keepLast: 3, keepWeekly: -1).validate()
        }
        #expect(
            error.message
                == "keep-weekly -1 is negative; use a count of 1 or more, or leave the rule unset")
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
