import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// A lock file under `locks/`: shared for backups, exclusive for forget and prune.
///
/// A lock is stale when its holder stopped refreshing it (older than ``staleAfter``)
/// or, on the same host, when its process no longer exists. Stale locks never block
/// anything; `lifeboat unlock` removes them.
public struct LockRecord: Codable, Sendable {
    /// Whether the holder needs the repository to itself.
    public var exclusive: Bool
    /// The holder's host name.
    public var host: String
    /// The holder's process id.
    public var pid: Int32
    /// The holder's user.
    public var user: String
    /// When the lock was created or last refreshed.
    public var time: Date
    /// What the holder is doing (`backup`, `prune`, …).
    public var operation: String

    /// Creates a lock record.
    public init(exclusive: Bool, host: String, pid: Int32, user: String, time: Date, operation: String) {
        self.exclusive = exclusive
        self.host = host
        self.pid = pid
        self.user = user
        self.time = time
        self.operation = operation
    }

    /// Locks not refreshed for this long are stale.
    public static let staleAfter: TimeInterval = 30 * 60
    /// How often a holder refreshes its lock.
    static let refreshEvery: TimeInterval = 5 * 60

    /// Whether the holder is gone.
    public func isStale(now: Date = Date()) -> Bool {
        if now.timeIntervalSince(time) > Self.staleAfter { return true }
        if host == ProcessInfo.processInfo.hostName {
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        return false
    }

    var describe: String {
        "\(exclusive ? "exclusive" : "shared") lock for \(operation) by PID \(pid) on \(host) since \(ISO8601.format(time))"
    }
}

extension Repository {
    /// Runs `body` holding a lock, refreshing it while `body` runs and removing it afterwards.
    public func withLock<T: Sendable>(
        exclusive: Bool, operation: String, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        // Everything that deletes holds the exclusive lock; a write-only key deletes nothing.
        if exclusive { try requireReadable(operation) }
        let name = try await acquireLock(exclusive: exclusive, operation: operation)
        do {
            let result = try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { [self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(LockRecord.refreshEvery))
                        if Task.isCancelled { break }
                        try? await self.writeLock(name, exclusive: exclusive, operation: operation)
                    }
                    return nil
                }
                let value = try await body()
                group.cancelAll()
                return value
            }
            try? await storage.delete(name)
            return result
        } catch {
            try? await storage.delete(name)
            throw error
        }
    }

    func writeLock(_ name: ObjectName, exclusive: Bool, operation: String) async throws {
        let record = LockRecord(
            exclusive: exclusive, host: ProcessInfo.processInfo.hostName, pid: getpid(),
            user: ProcessInfo.processInfo.environment["USER"] ?? "unknown", time: Date(), operation: operation)
        try await storage.put(name, try JSONEncoder.lifeboat.encode(record))
    }

    func acquireLock(exclusive: Bool, operation: String) async throws -> ObjectName {
        try await checkConflicts(exclusive: exclusive, own: nil)
        let name = ObjectName(.locks, Hex.encode(randomBytes(16)))
        try await writeLock(name, exclusive: exclusive, operation: operation)
        do {
            // Two processes may have passed the first check at once; the one that sees
            // the other's lock after writing its own backs off.
            try await checkConflicts(exclusive: exclusive, own: name)
        } catch {
            try? await storage.delete(name)
            throw error
        }
        return name
    }

    private func checkConflicts(exclusive: Bool, own: ObjectName?) async throws {
        for (name, record) in try await locks() where name != own {
            guard let record, !record.isStale() else { continue }
            if exclusive || record.exclusive {
                throw LifeboatError(
                    .locked,
                    "repository \(storage.location) is locked: \(record.describe); wait for it to finish, or run `lifeboat unlock` if that process is gone"
                )
            }
        }
    }

    /// Every lock file with its record (nil when unreadable).
    public func locks() async throws -> [(ObjectName, LockRecord?)] {
        var out: [(ObjectName, LockRecord?)] = []
        for info in try await storage.list(.locks) {
            let data = try? await storage.get(info.name)
            out.append((info.name, data.flatMap { try? JSONDecoder.lifeboat.decode(LockRecord.self, from: $0) }))
        }
        return out
    }

    /// Removes stale (or, with `all`, every) lock; returns how many were removed.
    public func removeLocks(all: Bool) async throws -> Int {
        var removed = 0
        for (name, record) in try await locks() where all || record?.isStale() ?? true {
            try await storage.delete(name)
            removed += 1
        }
        return removed
    }
}
