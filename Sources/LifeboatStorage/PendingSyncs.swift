import Synchronization

/// The paths written by ``LocalStorage/putUnsynced(_:_:)`` that still need a sync.
final class PendingSyncs: Sendable {
    private let paths = Mutex<[String]>([])

    func add(_ path: String) { paths.withLock { $0.append(path) } }

    func take() -> [String] {
        paths.withLock { p in
            defer { p = [] }; return p
        }
    }
}
