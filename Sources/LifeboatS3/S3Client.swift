import AsyncHTTPClient
import Foundation
import LifeboatCore
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Signs and sends S3 requests, retrying passing failures, and turns failures into ``LifeboatError``s.
final class S3Client: Sendable {
    /// The settings, already validated.
    let configuration: S3Configuration
    /// The endpoint requests go to.
    let endpoint: S3Endpoint
    /// `http(s)://host[:port]` for messages.
    let endpointText: String
    let signer: S3Signer
    let httpClient: HTTPClient
    let ownsHTTPClient: Bool
    let logger: Logger
    /// Request counts and flags that tests and the storage read.
    let state = S3ClientState()

    /// Error bodies are small XML documents; anything bigger is not worth reading.
    static let errorBodyLimit = 1 << 20

    init(configuration: S3Configuration, httpClient: HTTPClient?, logger: Logger) throws {
        try configuration.validate()
        let endpointText = configuration.location.resolvedEndpoint(region: configuration.region)
        self.configuration = configuration
        self.endpoint = try S3Endpoint(parsing: endpointText)
        self.endpointText = endpointText
        self.signer = S3Signer(credentials: configuration.credentials, region: configuration.region)
        self.logger = logger
        if let httpClient {
            self.httpClient = httpClient
            self.ownsHTTPClient = false
        } else {
            var settings = HTTPClient.Configuration()
            settings.timeout = .init(
                connect: Self.timeAmount(configuration.connectTimeout), read: Self.timeAmount(configuration.requestTimeout))
            // Our retry policy decides about failed connections, so the pool must not retry them on its own.
            settings.connectionPool.retryConnectionEstablishment = false
            // A redirect would need a new signature; S3 redirects only for a wrong region, which we report.
            settings.redirectConfiguration = .disallow
            self.httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
            self.ownsHTTPClient = true
        }
    }

    deinit {
        // An HTTPClient must be shut down before it is released; this covers callers that forgot.
        if ownsHTTPClient && state.markShutDown() {
            httpClient.shutdown { _ in }
        }
    }

    /// Shuts down a client this object created; a client passed in belongs to the caller.
    func shutdown() async throws {
        guard ownsHTTPClient, state.markShutDown() else { return }
        try await httpClient.shutdown()
    }

    /// Sends `request`, retrying per the policy; returns the last answer, whatever its status.
    ///
    /// Throws when no answer came (transport failure after all attempts), on cancellation,
    /// and when a successful body is larger than `maximumBodySize`.
    func send(_ request: S3Request, maximumBodySize: Int) async throws -> S3Response {
        let payloadHash = request.body.map(S3Signer.payloadHash) ?? S3Signer.emptyPayloadHash
        let target = self.target(for: request)
        let policy = configuration.retry
        var attempt = 0
        while true {
            attempt += 1
            guard !Task.isCancelled else { throw cancelled(request) }
            let httpRequest = signedRequest(request, target: target, payloadHash: payloadHash)
            state.countRequest()
            do {
                let response = try await httpClient.execute(
                    httpRequest, timeout: Self.timeAmount(configuration.requestTimeout), logger: logger)
                let status = Int(response.status.code)
                let limit = (200..<300).contains(status) ? maximumBodySize : Self.errorBodyLimit
                if let length = response.headers.first(name: "content-length").flatMap({ Int($0) }), length > limit,
                    request.method != .HEAD
                {
                    throw tooLarge(request, length: length, limit: limit)
                }
                let body: Data
                do {
                    body = Data(buffer: try await response.body.collect(upTo: limit))
                } catch is NIOTooManyBytesError {
                    throw tooLarge(request, length: nil, limit: limit)
                }
                let answer = S3Response(status: status, headers: response.headers, body: body, attempts: attempt)
                if attempt < policy.maximumAttempts, S3RetryPolicy.isRetryable(status: status, code: answer.error?.code) {
                    try await pause(before: attempt + 1, request, reason: "HTTP \(status)\(answer.error.map { " \($0.code)" } ?? "")")
                    continue
                }
                return answer
            } catch let error as LifeboatError {
                throw error
            } catch {
                guard !Task.isCancelled, !(error is CancellationError) else { throw cancelled(request) }
                guard S3RetryPolicy.isRetryable(error: error), attempt < policy.maximumAttempts else {
                    throw transportFailure(error, request, attempts: attempt)
                }
                try await pause(before: attempt + 1, request, reason: Self.describe(error))
            }
        }
    }

    /// Sleeps the policy's jittered delay before attempt number `attempt`.
    private func pause(before attempt: Int, _ request: S3Request, reason: String) async throws {
        let delay = configuration.retry.delay(beforeRetry: attempt - 1, unit: Double.random(in: 0..<1))
        logger.notice(
            "S3 request failed, retrying",
            metadata: [
                "request": "\(request.what)", "endpoint": "\(endpointText)", "reason": "\(reason)",
                "attempt": "\(attempt) of \(configuration.retry.maximumAttempts)", "delay": "\(delay)",
            ])
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw cancelled(request)
        }
    }

    // MARK: - Building requests

    /// The URL (without query), the Host header and the canonical URI of a request.
    func target(for request: S3Request) -> (url: String, host: String, path: String) {
        let bucket = configuration.location.bucket
        let encodedKey = request.key.map { S3Signer.uriEncode($0, keepSlash: true) }
        let host: String
        let path: String
        switch configuration.location.addressing {
        case .path:
            host = endpoint.hostHeader()
            path = "/" + bucket + (encodedKey.map { "/" + $0 } ?? "")
        case .virtualHosted:
            host = endpoint.hostHeader(bucketPrefix: bucket)
            path = "/" + (encodedKey ?? "")
        }
        return ("\(endpoint.scheme)://\(host)\(path)", host, path)
    }

    private func signedRequest(
        _ request: S3Request, target: (url: String, host: String, path: String), payloadHash: String
    ) -> HTTPClientRequest {
        let timestamp = S3Timestamp(Date())
        var headers = request.headers
        headers.append(("host", target.host))
        headers.append(("x-amz-content-sha256", payloadHash))
        headers.append(("x-amz-date", timestamp.full))
        if let token = configuration.credentials.sessionToken {
            headers.append(("x-amz-security-token", token))
        }
        let authorization = signer.authorization(
            method: request.method.rawValue, canonicalURI: target.path, query: request.query, headers: headers,
            payloadHash: payloadHash, timestamp: timestamp)
        let query = S3Signer.canonicalQuery(request.query)
        var httpRequest = HTTPClientRequest(url: query.isEmpty ? target.url : target.url + "?" + query)
        httpRequest.method = request.method
        for (name, value) in headers {
            httpRequest.headers.add(name: name, value: value)
        }
        httpRequest.headers.add(name: "authorization", value: authorization)
        if let body = request.body {
            httpRequest.body = .bytes(body)
        }
        return httpRequest
    }

    // MARK: - Errors

    /// `bucket B at ENDPOINT`, the phrase every message uses.
    var bucketPhrase: String { "bucket \(configuration.location.bucket) at \(endpointText)" }

    /// The error for an answer the caller did not expect; never contains secrets.
    func failure(_ response: S3Response, _ request: S3Request) -> LifeboatError {
        let error = response.error
        let code = error?.code
        let detail = code.map { ": \($0)" + (error?.message.map { " (\($0))" } ?? "") } ?? " (HTTP \(response.status))"
        let keyID = configuration.credentials.accessKeyID
        switch (response.status, code) {
        case (404, "NoSuchBucket"?):
            return LifeboatError(.notARepository, "bucket \(configuration.location.bucket) does not exist at \(endpointText)")
        case (_, "InvalidAccessKeyId"?), (_, "SignatureDoesNotMatch"?), (_, "InvalidToken"?), (_, "ExpiredToken"?),
            (_, "TokenRefreshRequired"?), (_, "InvalidClientTokenId"?):
            return LifeboatError(
                .invalidArgument, "S3 rejected the credentials (access key \(keyID)) for \(bucketPhrase)\(detail), on \(request.what)")
        case (_, "RequestTimeTooSkewed"?):
            return LifeboatError(
                .invalidArgument,
                "S3 rejected the request to \(bucketPhrase): RequestTimeTooSkewed (this machine's clock is off by more than 15 minutes)")
        case (403, _):
            return LifeboatError(
                .invalidArgument,
                "S3 denied access (access key \(keyID)) to \(bucketPhrase) for \(request.what)\(detail): "
                    + "the credentials are wrong or lack permission")
        case (301, _), (400, "AuthorizationHeaderMalformed"?), (400, "IllegalLocationConstraintException"?):
            let actual = response.headers.first(name: "x-amz-bucket-region")
            let hint = actual.map { ": it is in \($0), so set AWS_REGION=\($0)" } ?? ""
            return LifeboatError(
                .invalidArgument,
                "\(bucketPhrase) is not in region \(configuration.region)\(hint)\(actual == nil ? detail : "")")
        case (400, nil) where request.method == .HEAD:
            return LifeboatError(
                .invalidArgument,
                "S3 rejected \(request.what) (access key \(keyID)) in \(bucketPhrase) with HTTP 400, which for a request "
                    + "without a body usually means an invalid or expired session token")
        case (500...599, _), (429, _), (_, "SlowDown"?):
            return LifeboatError(
                .io, "S3 kept failing for \(request.what) in \(bucketPhrase)\(detail) (after \(response.attempts) attempts)")
        default:
            return LifeboatError(
                .io, "S3 \(request.what) in \(bucketPhrase) failed with HTTP \(response.status)\(code == nil ? "" : detail)")
        }
    }

    private func transportFailure(_ error: any Error, _ request: S3Request, attempts: Int) -> LifeboatError {
        let after = attempts > 1 ? " (after \(attempts) attempts)" : ""
        if Self.isConnectionFailure(error) {
            return LifeboatError(.io, "cannot reach S3 endpoint \(endpointText): \(Self.describe(error))\(after)", cause: error)
        }
        return LifeboatError(
            .io, "S3 \(request.what) in \(bucketPhrase) failed: \(Self.describe(error))\(after)", cause: error)
    }

    private func tooLarge(_ request: S3Request, length: Int?, limit: Int) -> LifeboatError {
        let size = length.map { "\($0) bytes" } ?? "more than \(limit) bytes"
        return LifeboatError(
            .io, "S3 \(request.what) in \(bucketPhrase): the answer is \(size), over the limit of \(limit) bytes")
    }

    private func cancelled(_ request: S3Request) -> LifeboatError {
        LifeboatError(.cancelled, "S3 \(request.what) in \(bucketPhrase) was cancelled")
    }

    /// Whether the request never reached a server (as opposed to failing on the way).
    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .connectTimeout
        }
        if let error = error as? IOError {
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, EADDRNOTAVAIL].contains(error.errnoCode)
        }
        // NIO reports failed connects (refused, DNS) as NIOConnectionError from a module we do not import.
        return String(reflecting: type(of: error)).contains("ConnectionError")
            || "\(error)".localizedCaseInsensitiveContains("connection refused")
    }

    /// A short, secret-free reason for a transport failure, e.g. `connection refused`.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .readTimeout: return "timed out waiting for the answer"
            case .writeTimeout: return "timed out sending the request"
            case .deadlineExceeded: return "the request took too long"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        }
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        let text = "\(error)"
        if text.localizedCaseInsensitiveContains("connection refused") { return "connection refused" }
        return text
    }

    // MARK: - Helpers

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let limit = Int64.max / 1_000_000_000 - 1
        return .nanoseconds(Swift.min(seconds, limit) * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Parses an HTTP date such as `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int32(parts[1]), let month = months.firstIndex(of: String(parts[2])),
            let year = Int32(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int32($0) }
        guard clock.count == 3 else { return nil }
        var fields = tm()
        fields.tm_year = year - 1900
        fields.tm_mon = Int32(month)
        fields.tm_mday = day
        fields.tm_hour = clock[0]
        fields.tm_min = clock[1]
        fields.tm_sec = clock[2]
        return Date(timeIntervalSince1970: TimeInterval(timegm(&fields)))
    }
}

/// The few mutable facts an ``S3Client`` keeps, behind a lock.
final class S3ClientState: @unchecked Sendable {
    private let lock = NSLock()
    private var requests = 0
    private var bucketConfirmed = false
    private var shutDown = false

    /// Requests sent so far, retries included.
    var requestCount: Int { lock.withLock { requests } }

    /// Whether a request already showed that the bucket exists.
    var isBucketConfirmed: Bool { lock.withLock { bucketConfirmed } }

    func countRequest() {
        lock.withLock { requests += 1 }
    }

    func confirmBucket() {
        lock.withLock { bucketConfirmed = true }
    }

    /// Records the shutdown; false when it had already happened.
    func markShutDown() -> Bool {
        lock.withLock {
            defer { shutDown = true }
            return !shutDown
        }
    }
}
