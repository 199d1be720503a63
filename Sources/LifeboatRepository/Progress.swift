/// A progress update from a long-running repository operation.
public struct ProgressEvent: Sendable {
    /// What is happening: `scan`, `backup`, `restore`, `check`, `prune`.
    public var phase: String
    /// Bytes processed so far.
    public var bytesDone: Int64
    /// Bytes expected in all (0 when unknown).
    public var bytesTotal: Int64
    /// Files processed so far.
    public var filesDone: Int
    /// Files expected in all.
    public var filesTotal: Int
    /// The file being worked on, relative to the backup root.
    public var current: String?

    /// Creates an event.
    public init(phase: String, bytesDone: Int64, bytesTotal: Int64, filesDone: Int, filesTotal: Int, current: String? = nil) {
        self.phase = phase
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.filesDone = filesDone
        self.filesTotal = filesTotal
        self.current = current
    }
}

/// Receives progress updates; the engine never prints, the CLI or server draws them.
public protocol ProgressReporter: Sendable {
    /// Called often (after every batch); implementations throttle their own output.
    func report(_ event: ProgressEvent)
}

/// A reporter that ignores every update.
public struct SilentProgress: ProgressReporter {
    /// Creates one.
    public init() {}
    /// Ignores the event.
    public func report(_ event: ProgressEvent) {}
}
