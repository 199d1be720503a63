import Foundation
import LifeboatCore
import Testing

/// restic's own `ApplyPolicy` fixture (internal/data/snapshot_policy_test.go) and golden results.
///
/// The snapshot times and the expected keep lists with their reasons are copied
/// from restic's `testdata/policy_keep_snapshots_N` files, so these cases check
/// that the policy behaves exactly like `restic forget`.
enum ResticPolicyFixture {
    struct ResticCase: Sendable, CustomTestStringConvertible {
        let policy: RetentionPolicy
        let expected: [String]
        init(_ policy: RetentionPolicy, _ expected: [String]) {
            self.policy = policy
            self.expected = expected
        }
        var testDescription: String { "\(policy)" }
    }

    static let resticSnapshots = [
        "2014-09-01 10:20:30", "2014-09-02 10:20:30", "2014-09-05 10:20:30", "2014-09-06 10:20:30",
        "2014-09-08 10:20:30", "2014-09-09 10:20:30", "2014-09-10 10:20:30", "2014-09-11 10:20:30",
        "2014-09-20 10:20:30", "2014-09-22 10:20:30", "2014-08-08 10:20:30", "2014-08-10 10:20:30",
        "2014-08-12 10:20:30", "2014-08-13 10:20:30", "2014-08-13 10:20:30.1", "2014-08-15 10:20:30",
        "2014-08-18 10:20:30", "2014-08-20 10:20:30", "2014-08-21 10:20:30", "2014-08-22 10:20:30",
        "2014-10-01 10:20:30", "2014-10-02 10:20:30", "2014-10-05 10:20:30", "2014-10-06 10:20:30",
        "2014-10-08 10:20:30", "2014-10-09 10:20:30", "2014-10-10 10:20:30", "2014-10-11 10:20:30",
        "2014-10-20 10:20:30", "2014-10-22 10:20:30", "2014-11-08 10:20:30", "2014-11-10 10:20:30",
        "2014-11-12 10:20:30", "2014-11-13 10:20:30", "2014-11-13 10:20:30.1", "2014-11-15 10:20:30",
        "2014-11-18 10:20:30", "2014-11-20 10:20:30", "2014-11-21 10:20:30", "2014-11-22 10:20:30",
        "2015-09-01 10:20:30", "2015-09-02 10:20:30", "2015-09-05 10:20:30", "2015-09-06 10:20:30",
        "2015-09-08 10:20:30", "2015-09-09 10:20:30", "2015-09-10 10:20:30", "2015-09-11 10:20:30",
        "2015-09-20 10:20:30", "2015-09-22 10:20:30", "2015-08-08 10:20:30", "2015-08-10 10:20:30",
        "2015-08-12 10:20:30", "2015-08-13 10:20:30", "2015-08-13 10:20:30.1", "2015-08-15 10:20:30",
        "2015-08-18 10:20:30", "2015-08-20 10:20:30", "2015-08-21 10:20:30", "2015-08-22 10:20:30",
        "2015-10-01 10:20:30", "2015-10-02 10:20:30", "2015-10-05 10:20:30", "2015-10-06 10:20:30",
        "2015-10-08 10:20:30", "2015-10-09 10:20:30", "2015-10-10 10:20:30", "2015-10-11 10:20:30",
        "2015-10-20 10:20:30", "2015-10-22 10:20:30", "2015-10-22 10:20:30", "2015-10-22 10:20:30",
        "2015-10-22 10:20:30", "2015-10-22 10:20:30", "2015-11-08 10:20:30", "2015-11-10 10:20:30",
        "2015-11-12 10:20:30", "2015-11-13 10:20:30", "2015-11-13 10:20:30.1", "2015-11-15 10:20:30",
        "2015-11-18 10:20:30", "2015-11-20 10:20:30", "2015-11-21 10:20:30", "2015-11-22 10:20:30",
        "2016-01-01 01:02:03", "2016-01-01 01:03:03", "2016-01-01 07:08:03", "2016-01-03 07:02:03",
        "2016-01-04 10:23:03", "2016-01-04 11:23:03", "2016-01-04 12:23:03", "2016-01-04 12:24:03",
        "2016-01-04 12:28:03", "2016-01-04 12:30:03", "2016-01-04 16:23:03", "2016-01-05 09:02:03",
        "2016-01-06 08:02:03", "2016-01-07 10:02:03", "2016-01-08 20:02:03", "2016-01-09 21:02:03",
        "2016-01-12 21:02:03", "2016-01-12 21:08:03", "2016-01-18 12:02:03",
    ]

    static let cases: [ResticCase] = [
        // policy_keep_snapshots_5
        ResticCase(
            RetentionPolicy(keepHourly: 20),
            [
                "2016-01-18 12:02:03 hourly snapshot",
                "2016-01-12 21:08:03 hourly snapshot",
                "2016-01-09 21:02:03 hourly snapshot",
                "2016-01-08 20:02:03 hourly snapshot",
                "2016-01-07 10:02:03 hourly snapshot",
                "2016-01-06 08:02:03 hourly snapshot",
                "2016-01-05 09:02:03 hourly snapshot",
                "2016-01-04 16:23:03 hourly snapshot",
                "2016-01-04 12:30:03 hourly snapshot",
                "2016-01-04 11:23:03 hourly snapshot",
                "2016-01-04 10:23:03 hourly snapshot",
                "2016-01-03 07:02:03 hourly snapshot",
                "2016-01-01 07:08:03 hourly snapshot",
                "2016-01-01 01:03:03 hourly snapshot",
                "2015-11-22 10:20:30 hourly snapshot",
                "2015-11-21 10:20:30 hourly snapshot",
                "2015-11-20 10:20:30 hourly snapshot",
                "2015-11-18 10:20:30 hourly snapshot",
                "2015-11-15 10:20:30 hourly snapshot",
                "2015-11-13 10:20:30.1 hourly snapshot",
            ]),
        // policy_keep_snapshots_6
        ResticCase(
            RetentionPolicy(keepDaily: 3),
            [
                "2016-01-18 12:02:03 daily snapshot",
                "2016-01-12 21:08:03 daily snapshot",
                "2016-01-09 21:02:03 daily snapshot",
            ]),
        // policy_keep_snapshots_9
        ResticCase(
            RetentionPolicy(keepLast: 5, keepDaily: 5),
            [
                "2016-01-18 12:02:03 last snapshot, daily snapshot",
                "2016-01-12 21:08:03 last snapshot, daily snapshot",
                "2016-01-12 21:02:03 last snapshot",
                "2016-01-09 21:02:03 last snapshot, daily snapshot",
                "2016-01-08 20:02:03 last snapshot, daily snapshot",
                "2016-01-07 10:02:03 daily snapshot",
            ]),
        // policy_keep_snapshots_11
        ResticCase(
            RetentionPolicy(keepWeekly: 2),
            [
                "2016-01-18 12:02:03 weekly snapshot",
                "2016-01-12 21:08:03 weekly snapshot",
            ]),
        // policy_keep_snapshots_13
        ResticCase(
            RetentionPolicy(keepDaily: 3, keepWeekly: 4),
            [
                "2016-01-18 12:02:03 daily snapshot, weekly snapshot",
                "2016-01-12 21:08:03 daily snapshot, weekly snapshot",
                "2016-01-09 21:02:03 daily snapshot, weekly snapshot",
                "2016-01-03 07:02:03 weekly snapshot",
            ]),
        // policy_keep_snapshots_15
        ResticCase(
            RetentionPolicy(keepDaily: 2, keepWeekly: 2, keepMonthly: 6),
            [
                "2016-01-18 12:02:03 daily snapshot, weekly snapshot, monthly snapshot",
                "2016-01-12 21:08:03 daily snapshot, weekly snapshot",
                "2015-11-22 10:20:30 monthly snapshot",
                "2015-10-22 10:20:30 monthly snapshot",
                "2015-09-22 10:20:30 monthly snapshot",
                "2015-08-22 10:20:30 monthly snapshot",
                "2014-11-22 10:20:30 monthly snapshot",
            ]),
        // policy_keep_snapshots_16
        ResticCase(
            RetentionPolicy(keepYearly: 10),
            [
                "2016-01-18 12:02:03 yearly snapshot",
                "2015-11-22 10:20:30 yearly snapshot",
                "2014-11-22 10:20:30 yearly snapshot",
                "2014-08-08 10:20:30 oldest yearly snapshot",
            ]),
        // policy_keep_snapshots_17
        ResticCase(
            RetentionPolicy(keepDaily: 7, keepWeekly: 2, keepMonthly: 3, keepYearly: 10),
            [
                "2016-01-18 12:02:03 daily snapshot, weekly snapshot, monthly snapshot, yearly snapshot",
                "2016-01-12 21:08:03 daily snapshot, weekly snapshot",
                "2016-01-09 21:02:03 daily snapshot",
                "2016-01-08 20:02:03 daily snapshot",
                "2016-01-07 10:02:03 daily snapshot",
                "2016-01-06 08:02:03 daily snapshot",
                "2016-01-05 09:02:03 daily snapshot",
                "2015-11-22 10:20:30 monthly snapshot, yearly snapshot",
                "2015-10-22 10:20:30 monthly snapshot",
                "2014-11-22 10:20:30 yearly snapshot",
                "2014-08-08 10:20:30 oldest yearly snapshot",
            ]),
        // policy_keep_snapshots_39
        ResticCase(
            RetentionPolicy(keepDaily: 3, keepWeekly: 2, keepMonthly: .max, keepYearly: .max),
            [
                "2016-01-18 12:02:03 daily snapshot, weekly snapshot, monthly snapshot, yearly snapshot",
                "2016-01-12 21:08:03 daily snapshot, weekly snapshot",
                "2016-01-09 21:02:03 daily snapshot",
                "2015-11-22 10:20:30 monthly snapshot, yearly snapshot",
                "2015-10-22 10:20:30 monthly snapshot",
                "2015-09-22 10:20:30 monthly snapshot",
                "2015-08-22 10:20:30 monthly snapshot",
                "2014-11-22 10:20:30 monthly snapshot, yearly snapshot",
                "2014-10-22 10:20:30 monthly snapshot",
                "2014-09-22 10:20:30 monthly snapshot",
                "2014-08-22 10:20:30 monthly snapshot",
                "2014-08-08 10:20:30 oldest monthly snapshot, oldest yearly snapshot",
            ]),
    ]
}
