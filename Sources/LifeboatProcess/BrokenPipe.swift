#if canImport(Glibc)
    import Glibc
#endif

/// Writing to a pipe whose reader has gone must fail with EPIPE, not kill the process.
public enum BrokenPipe {
    private static let ignored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Ignores SIGPIPE process-wide (once).
    public static func ignore() { _ = ignored }
}
