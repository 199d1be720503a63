import AsyncHTTPClient
import LifeboatCore

/// How often and how patiently ``S3Storage`` repeats a request that failed for a passing reason.
///
/// Retried: HTTP 5xx, 429, S3's `SlowDown` and `RequestTimeout`, timeouts and connection
/// errors. Never retried: other 4xx answers, above all rejected credentials (403), which
/// another attempt cannot fix. Delays grow exponentially with full jitter: before retry
/// *n* (1-based) the wait is uniformly random in `0 ... min(maximumDelay, baseDelay · 2ⁿ⁻¹)`.
public struct S3RetryPolicy: Hashable, Sendable {
    /// Attempts in total, the first one included; 1 disables retries.
    public var maximumAttempts: Int
    /// The upper bound of the first retry's delay.
    public var baseDelay: Duration
    /// The cap on any single delay.
    public var maximumDelay: Duration

    /// Creates a policy; the defaults suit AWS.
    public init(maximumAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(20)) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// The longest wait before retry number `retry` (1 for the first retry).
    func delayBound(beforeRetry retry: Int) -> Duration {
        // Doubling past 2^30 can only exceed any sensible maximum.
        let factor = 1 << Swift.min(Swift.max(retry - 1, 0), 30)
        let bound = baseDelay * factor
        return bound > maximumDelay ? maximumDelay : bound
    }

    /// The wait before retry number `retry`: `unit` (in `0..<1`, random in production) of the bound.
    func delay(beforeRetry retry: Int, unit: Double) -> Duration {
        delayBound(beforeRetry: retry) * Swift.min(Swift.max(unit, 0), 1)
    }

    /// Whether an HTTP answer is worth another attempt; `code` is S3's error code from the body, if any.
    static func isRetryable(status: Int, code: String?) -> Bool {
        // S3 answers 400 RequestTimeout when the client sent the body too slowly, and throttles
        // with SlowDown under 503 (some S3-compatible servers under other statuses).
        if code == "SlowDown" || code == "RequestTimeout" { return true }
        return (500...599).contains(status) || status == 429
    }

    /// Whether a transport failure (no HTTP answer at all) is worth another attempt.
    ///
    /// Connection refused or reset, timeouts and closed connections pass; cancellation and
    /// errors in the request itself (a bad URL, a client already shut down) do not.
    static func isRetryable(error: any Error) -> Bool {
        if error is CancellationError || error is LifeboatError { return false }
        if let error = error as? HTTPClientError {
            return !permanentClientErrors.contains(error)
        }
        return true
    }

    private static let permanentClientErrors: [HTTPClientError] = [
        .alreadyShutdown, .cancelled, .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath, .invalidProxyResponse,
        .proxyAuthenticationRequired, .bodyLengthMismatch, .redirectLimitReached, .redirectCycleDetected,
        .traceRequestWithBody, .invalidLocalAddress, .invalidProxyConfiguration,
    ]
}
