import Foundation

extension Schedule {
    /// The time between two runs as the schedule stands now: the interval itself, or the gap
    /// between the next two cron times (nil when it has fewer than two).
    public func expectedPeriod(now: Date) -> TimeInterval? {
        if case .interval(let interval) = self { return interval.seconds }
        let times = nextTimes(after: now, count: 2)
        guard times.count == 2 else { return nil }
        return times[1].timeIntervalSince(times[0])
    }
}
