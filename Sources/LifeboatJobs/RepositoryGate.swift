import Foundation
import LifeboatCore

/// An in-process readers–writer gate per repository, so that the daemon's own jobs wait
/// for each other instead of failing on the repository lock: backups share, forget and
/// prune are exclusive. The repository's own locks still guard against other processes.
public actor RepositoryGate {
    private var readers: [String: Int] = [:]
    private var writers: Set<String> = []
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Creates a gate with nothing held.
    public init() {}

    /// Runs `body` while holding `repository` shared (exclusive when asked).
    public func with<T: Sendable>(
        _ repository: String, exclusive: Bool, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        await acquire(repository, exclusive: exclusive)
        do {
            let value = try await body()
            release(repository, exclusive: exclusive)
            return value
        } catch {
            release(repository, exclusive: exclusive)
            throw error
        }
    }

    private func acquire(_ repository: String, exclusive: Bool) async {
        while !canEnter(repository, exclusive: exclusive) {
            await withCheckedContinuation { waiters.append($0) }
        }
        if exclusive { writers.insert(repository) } else { readers[repository, default: 0] += 1 }
    }

    private func canEnter(_ repository: String, exclusive: Bool) -> Bool {
        if writers.contains(repository) { return false }
        return !exclusive || readers[repository, default: 0] == 0
    }

    private func release(_ repository: String, exclusive: Bool) {
        if exclusive { writers.remove(repository) } else { readers[repository, default: 0] -= 1 }
        let waking = waiters
        waiters = []
        for w in waking { w.resume() }
    }
}

/// Retries an operation that fails because another process holds the repository lock.
func retryingWhileLocked<T: Sendable>(
    attempts: Int = 30, delay: Duration = .seconds(1), _ body: @Sendable () async throws -> T
) async throws -> T {
    var attempt = 1
    while true {
        do {
            return try await body()
        } catch let error as LifeboatError where error.code == .locked && attempt < attempts {
            attempt += 1
            try await Task.sleep(for: delay)
        }
    }
}
