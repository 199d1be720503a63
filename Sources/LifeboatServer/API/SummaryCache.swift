import Foundation
import LifeboatJobs

/// Read answers that many clients ask for at once — the node list, a node, the metrics
/// text, a node's snapshots, job lists, a job, a schedule — computed once and shared by
/// every request until the catalog is written (a job created, started, progressed or
/// finished; a schedule changed: ``Catalog/writeCount``), the API changes something, or
/// ``ttl`` passes (for what the catalog does not hold: snapshot listings, free space).
/// Concurrent requests for the same answer share one computation.
///
/// Without it every `/metrics` scrape and node list ran catalog queries per node and kind
/// (and a snapshot list read every manifest); under 200 clients those requests queued
/// behind each other.
///
/// ```swift
/// let data = try await cache.value("nodes") { try API.encoder.encode(try await api.nodes()) }
/// ```
final class SummaryCache: @unchecked Sendable {
    /// How long an answer is reused.
    let ttl: Duration
    /// Moves whenever what the answers are made of changes.
    let version: @Sendable () -> Int

    private struct Entry {
        var computed: ContinuousClock.Instant
        var version: Int
        var generation: Int
        var task: Task<Data, any Error>
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var generation = 0

    /// Entries kept before expired ones are swept (request URIs are keys, so a caller
    /// could otherwise grow the table without bound).
    static let sweepAbove = 256

    init(ttl: Duration = .seconds(1), version: @escaping @Sendable () -> Int) {
        self.ttl = ttl
        self.version = version
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
        let version = self.version()
        let (task, generation): (Task<Data, any Error>, Int) = lock.withLock {
            if let entry = entries[key], entry.version == version, now - entry.computed < ttl {
                return (entry.task, entry.generation)
            }
            if entries.count > Self.sweepAbove {
                entries = entries.filter { now - $0.value.computed < ttl && $0.value.version == version }
            }
            let task = Task { try await compute() }
            entries[key] = Entry(computed: now, version: version, generation: self.generation, task: task)
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
