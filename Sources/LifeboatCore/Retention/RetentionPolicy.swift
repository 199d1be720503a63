import Foundation

/// Which backups to keep, with the semantics of restic's `forget --keep-*`.
///
/// ```swift
/// let policy = RetentionPolicy(keepLast: 3, keepDaily: 7, keepWeekly: 4)
/// let result = policy.apply(to: snapshots, time: \.time)
/// // delete result.remove; result.reasons says why each kept one stayed
/// ```
///
/// Items are ranked newest first. `keepLast` keeps the N newest. Each
/// calendar rule walks the items newest first and keeps the newest item of
/// every hour/day/ISO week/month/year that has items, until it has kept N;
/// buckets are read on the wall clock of the given time zone, weeks run
/// Monday to Sunday. An item is kept when any rule keeps it, and its reasons
/// list every rule that did. When a rule runs out of items before it has
/// used its count, the oldest item is kept too (restic's "oldest" reason).
///
/// A count of `nil` or `0` leaves a rule off; `Int.max` means "all", like
/// restic's `unlimited`. A policy with every rule off is *empty* and keeps
/// everything — refuse it (``isEmpty``) before deleting anything.
public struct RetentionPolicy: Sendable, Hashable, Codable {
    /// Keep the N newest items.
    public var keepLast: Int?
    /// Keep the newest item of each of the last N hours that have items.
    public var keepHourly: Int?
    /// Keep the newest item of each of the last N days that have items.
    public var keepDaily: Int?
    /// Keep the newest item of each of the last N ISO weeks that have items.
    public var keepWeekly: Int?
    /// Keep the newest item of each of the last N months that have items.
    public var keepMonthly: Int?
    /// Keep the newest item of each of the last N years that have items.
    public var keepYearly: Int?

    /// Creates a policy; rules left `nil` are off.
    public init(
        keepLast: Int? = nil, keepHourly: Int? = nil, keepDaily: Int? = nil,
        keepWeekly: Int? = nil, keepMonthly: Int? = nil, keepYearly: Int? = nil
    ) {
        self.keepLast = keepLast
        self.keepHourly = keepHourly
        self.keepDaily = keepDaily
        self.keepWeekly = keepWeekly
        self.keepMonthly = keepMonthly
        self.keepYearly = keepYearly
    }

    /// Each rule with its count, in restic's evaluation order.
    private var rules: [(rule: RetentionRule, count: Int?)] {
        [
            (.last, keepLast), (.hourly, keepHourly), (.daily, keepDaily),
            (.weekly, keepWeekly), (.monthly, keepMonthly), (.yearly, keepYearly),
        ]
    }

    /// Whether no rule is on, so ``apply(to:time:in:)`` would keep everything.
    public var isEmpty: Bool {
        rules.allSatisfy { ($0.count ?? 0) <= 0 }
    }

    /// Throws `.invalidArgument` for a negative count, naming the rule.
    public func validate() throws {
        for (rule, count) in rules {
            if let count, count < 0 {
                throw LifeboatError(
                    .invalidArgument,
                    "keep-\(rule.rawValue) \(count) is negative; use a count of 1 or more, or leave the rule unset"
                )
            }
        }
    }

    /// Splits `items` into those to keep and those to remove, both newest first.
    ///
    /// `reasons` has one entry per kept item, in the order of `keep`, listing
    /// every rule that chose it. Items with equal times keep their input order.
    public func apply<T>(
        to items: [T], time: (T) -> Date, in timeZone: TimeZone = .gmt
    ) -> (keep: [T], remove: [T], reasons: [(item: T, matches: [RetentionMatch])]) {
        let ranked = items.indices
            .map { (index: $0, time: time(items[$0])) }
            .sorted { $0.time != $1.time ? $0.time > $1.time : $0.index < $1.index }
        if isEmpty {
            return (ranked.map { items[$0.index] }, [], ranked.map { (items[$0.index], []) })
        }
        var buckets = rules.compactMap { rule, count -> Bucket? in
            guard let count, count > 0 else { return nil }
            return Bucket(rule: rule, remaining: count)
        }
        var keep: [T] = []
        var remove: [T] = []
        var reasons: [(item: T, matches: [RetentionMatch])] = []
        for (rank, entry) in ranked.enumerated() {
            let wallClock = WallClock(entry.time, in: timeZone)
            let isOldest = rank == ranked.count - 1
            var matches: [RetentionMatch] = []
            for index in buckets.indices where buckets[index].remaining > 0 {
                let key = wallClock.bucket(for: buckets[index].rule, rank: rank)
                guard key != buckets[index].lastKey || isOldest else { continue }
                matches.append(
                    RetentionMatch(rule: buckets[index].rule, isOldest: key == buckets[index].lastKey))
                buckets[index].lastKey = key
                buckets[index].remaining -= 1
            }
            let item = items[entry.index]
            if matches.isEmpty {
                remove.append(item)
            } else {
                keep.append(item)
                reasons.append((item, matches))
            }
        }
        return (keep, remove, reasons)
    }

    /// One rule's progress: how many more buckets it may keep and the last bucket it kept from.
    private struct Bucket {
        let rule: RetentionRule
        var remaining: Int
        var lastKey: Int64?
    }

    /// An instant's wall-clock fields in a time zone, turned into bucket keys.
    private struct WallClock {
        let date: CivilDate
        let hour: Int64

        init(_ instant: Date, in timeZone: TimeZone) {
            let seconds = instant.timeIntervalSince1970
            let whole = seconds.isFinite ? Int64(max(min(seconds, 1e15), -1e15).rounded(.down)) : 0
            let local = whole + Int64(timeZone.secondsFromGMT(for: instant))
            let days = floorDivide(local, 86_400)
            date = CivilDate(daysSinceEpoch: days)
            hour = (local - days * 86_400) / 3600
        }

        /// A number equal for two items exactly when they share the rule's bucket (unique per item for `last`).
        func bucket(for rule: RetentionRule, rank: Int) -> Int64 {
            let day = date.year * 10_000 + Int64(date.month) * 100 + Int64(date.day)
            switch rule {
            case .last: return Int64(rank)
            case .hourly: return day * 100 + hour
            case .daily: return day
            case .weekly:
                let week = date.isoWeek
                return week.year * 100 + Int64(week.week)
            case .monthly: return date.year * 100 + Int64(date.month)
            case .yearly: return date.year
            }
        }
    }
}
