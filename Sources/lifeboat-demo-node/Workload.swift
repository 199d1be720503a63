import Foundation

/// The node's steady write activity: one unit of work every interval, pausable over HTTP so a
/// test can hold the stores still while it records diagnostics.
final class Workload: @unchecked Sendable {
    private let lock = NSLock()
    private var paused = false
    private var writes = 0
    private var failures = 0
    /// The time between writes; nil when the workload is off.
    let interval: Duration?

    /// A workload that writes every `interval` (nil: never).
    init(interval: Duration?) {
        self.interval = interval
    }

    /// Stops or resumes writing.
    func setPaused(_ value: Bool) {
        lock.withLock { paused = value }
    }

    /// Counters for diagnostics.
    func status() -> [String: Any] {
        lock.withLock {
            [
                "interval_ms": interval.map { Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? 0,
                "paused": paused, "writes": writes, "failures": failures,
            ]
        }
    }

    /// Calls `write` with a running tick number every interval until the task is cancelled.
    func run(_ write: @Sendable (Int) throws -> Void) async {
        guard let interval else { return }
        var tick = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            guard !lock.withLock({ paused }) else { continue }
            do {
                try write(tick)
                lock.withLock { writes += 1 }
            } catch {
                lock.withLock { failures += 1 }
                say("write failed: \(error)")
            }
            tick += 1
        }
    }
}
