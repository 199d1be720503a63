import Foundation

/// Runs blocking work (starting a database server waits seconds for `initdb` and the first
/// connection) on a thread of its own, so an async test that awaits it leaves the two threads
/// of a 2-core machine's cooperative pool to the in-process daemons and timers of other suites.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}

extension PostgresCluster {
    /// ``start(directory:)`` awaited off the cooperative pool.
    public static func start(directory: String) async throws -> PostgresCluster {
        try await offPool { try start(directory: directory) as PostgresCluster }
    }
}

extension MariaDBServer {
    /// ``start(directory:)`` awaited off the cooperative pool.
    public static func start(directory: String) async throws -> MariaDBServer {
        try await offPool { try start(directory: directory) as MariaDBServer }
    }
}

extension MotoServer {
    /// ``start(environment:)`` awaited off the cooperative pool.
    public static func start(environment: [String: String] = [:]) async throws -> MotoServer {
        try await offPool { try start(environment: environment) as MotoServer }
    }
}
