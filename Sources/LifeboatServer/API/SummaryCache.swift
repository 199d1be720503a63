import Foundation
import LifeboatJobs

/// Answers that many clients ask for and that change slowly — the node list, a node, the
/// metrics text, a node's snapshots — computed at most once per ``ttl``, and afresh once a
/// job has finished or the API changed a schedule or queued a job. Concurrent requests for
/// the same answer share one computation.
///
/// Without it every `/metrics` scrape and node list ran catalog queries per node and kind
/// (and a snapshot list read every manifest); under 200 clients those requests queued
/// behind each other. A second of staleness is invisible to a scrape or a dashboard, and the
/// changes that matter (a job's end, a schedule) are seen at once.
///
/// ```swift
/// let data = try await cache.value("nodes") { try API.encoder.encode(try await api.nodes()) }
/// ```
final class SummaryCache: @unchecked Sendable {
    /// How long an answer is reused.
    let ttl: Duration
    /// Bumped by the daemon as jobs finish.
    let finishedJobs: @Sendable () -> Int

    private struct Entry {
        var computed: ContinuousClock.Instant
        var finishedJobs: Int
        var generation: Int
        var task: Task<Data, any Error>
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var generation = 0

    init(ttl: Duration = .seconds(1), finishedJobs: @escaping @Sendable () -> Int) {
        self.ttl = ttl
        self.finishedJobs = finishedJobs
    }

    /// Forgets every answer (after a change made through the API).
    func invalidate() {
        lock.withLock {
            generation += 1
            entries = [:]
        }
    }

    /// The answer for `key`: reused while fresh, else computed once by `compute` for every
    /// caller waiting on it. A failed computation is not kept.
    func value(_ key: String, _ compute: @escaping @Sendable () async throws -> Data) async throws -> Data {
        let now = ContinuousClock.now
        let finished = finishedJobs()
        let (task, generation): (Task<Data, any Error>, Int) = lock.withLock {
            if let entry = entries[key], entry.finishedJobs == finished, now - entry.computed < ttl {
                return (entry.task, entry.generation)
            }
            let task = Task { try await compute() }
            entries[key] = Entry(computed: now, finishedJobs: finished, generation: self.generation, task: task)
            return (task, self.generation)
        }
        do {
            return try await task.value
        } catch {
            lock.withLock {
                if let entry = entries[key], entry.generation == generation, entry.task == task { entries[key] = nil }
            }
            throw error
        }
    }
}
