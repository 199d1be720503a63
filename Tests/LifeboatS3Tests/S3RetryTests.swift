import AsyncHTTPClient
import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatS3

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct S3RetryTests {
    @Test(
        arguments: [
            (500, nil, true), (502, nil, true), (503, "SlowDown", true), (504, nil, true), (429, nil, true),
            (400, "RequestTimeout", true), (400, "SlowDown", true),
            (403, "SignatureDoesNotMatch", false), (403, "InvalidAccessKeyId", false), (403, nil, false),
            (400, "ExpiredToken", false), (400, nil, false), (404, "NoSuchKey", false), (404, "NoSuchBucket", false),
            (409, "BucketAlreadyExists", false), (200, nil, false), (416, "InvalidRange", false),
        ] as [(Int, String?, Bool)])
    func statusDecisions(status: Int, code: String?, retryable: Bool) {
        #expect(S3RetryPolicy.isRetryable(status: status, code: code) == retryable)
    }

    @Test func transportErrorDecisions() {
        #expect(S3RetryPolicy.isRetryable(error: HTTPClientError.connectTimeout))
        #expect(S3RetryPolicy.isRetryable(error: HTTPClientError.readTimeout))
        #expect(S3RetryPolicy.isRetryable(error: HTTPClientError.deadlineExceeded))
        #expect(S3RetryPolicy.isRetryable(error: HTTPClientError.remoteConnectionClosed))
        #expect(!S3RetryPolicy.isRetryable(error: HTTPClientError.alreadyShutdown))
        #expect(!S3RetryPolicy.isRetryable(error: HTTPClientError.invalidURL))
        #expect(!S3RetryPolicy.isRetryable(error: HTTPClientError.cancelled))
        #expect(!S3RetryPolicy.isRetryable(error: CancellationError()))
        #expect(!S3RetryPolicy.isRetryable(error: LifeboatError(.io, "too large")))
    }

    @Test func delaysGrowExponentiallyUpToTheCapWithFullJitter() {
        let policy = S3RetryPolicy(maximumAttempts: 10, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))
        #expect(policy.delayBound(beforeRetry: 1) == .milliseconds(100))
        #expect(policy.delayBound(beforeRetry: 2) == .milliseconds(200))
        #expect(policy.delayBound(beforeRetry: 4) == .milliseconds(800))
        #expect(policy.delayBound(beforeRetry: 5) == .seconds(1))
        #expect(policy.delayBound(beforeRetry: 500) == .seconds(1))
        #expect(policy.delay(beforeRetry: 3, unit: 0) == .zero)
        #expect(policy.delay(beforeRetry: 3, unit: 0.5) == .milliseconds(200))
        for _ in 0..<100 {
            let delay = policy.delay(beforeRetry: 2, unit: Double.random(in: 0..<1))
            #expect(delay >= .zero && delay < .milliseconds(200))
        }
    }

    @Test func anUnreachableEndpointFailsWithIOAfterTheConfiguredAttempts() async throws {
        // Bound but not listening: connecting is refused, and no other process can take the port meanwhile.
        let socket = try BoundSocket(listening: false)
        defer { socket.close() }
        var configuration = try S3Configuration.resolve(
            url: "s3:http://127.0.0.1:\(socket.port)/bucket/repo", credentials: fakeCredentials, environment: [:])
        configuration.retry = S3RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(10), maximumDelay: .milliseconds(50))
        try await withS3Storage(configuration, createBucket: false) { storage in
            let error = await #expect(throws: LifeboatError.self) { _ = try await storage.get(ObjectName(.config, "config")) }
            #expect(error?.code == .io)
            #expect(
                error?.message == "cannot reach S3 endpoint http://127.0.0.1:\(socket.port): connection refused (after 3 attempts)",
                "\(String(describing: error))")
            #expect(storage.client.state.requestCount == 3)
        }
        // No wall-clock bound here: the attempts end after three (counted above), and a timer in
        // this process waits on a cooperative pool shared with every other suite on 2 cores (CI
        // once took 61 s). The CLI test in LifeboatFaultTests times a process of its own.
    }

    @Test func aServerThatNeverAnswersTimesOutAndIsRetried() async throws {
        // Listening but never accepting: the connection opens, the answer never comes.
        let socket = try BoundSocket(listening: true)
        defer { socket.close() }
        var configuration = try S3Configuration.resolve(
            url: "s3:http://127.0.0.1:\(socket.port)/bucket", credentials: fakeCredentials, environment: [:])
        configuration.retry = S3RetryPolicy(maximumAttempts: 2, baseDelay: .milliseconds(10), maximumDelay: .milliseconds(10))
        configuration.requestTimeout = .milliseconds(300)
        try await withS3Storage(configuration, createBucket: false) { storage in
            let error = await #expect(throws: LifeboatError.self) { _ = try await storage.stat(ObjectName(.keys, "k")) }
            #expect(error?.code == .io)
            #expect(error?.message.contains("(after 2 attempts)") == true, "\(String(describing: error))")
            #expect(error?.message.contains("127.0.0.1:\(socket.port)") == true, "\(String(describing: error))")
            #expect(storage.client.state.requestCount == 2)
        }
    }

    @Test func partSizeGrowsSoNoUploadNeedsMoreThanTenThousandParts() {
        #expect(S3Storage.partSize(for: 12 << 20, configured: 5 << 20) == 5 << 20)
        let huge = 100_000 * (5 << 20)
        let grown = S3Storage.partSize(for: huge, configured: 5 << 20)
        #expect(grown * 10_000 >= huge)
        #expect((huge + grown - 1) / grown <= 10_000)
    }
}

/// A loopback TCP socket on a port of its own, listening or not.
struct BoundSocket {
    let descriptor: Int32
    let port: Int

    init(listening: Bool) throws {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        try #require(descriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        try #require(named == 0)
        if listening { try #require(listen(descriptor, 16) == 0) }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        #if canImport(Glibc)
            _ = Glibc.close(descriptor)
        #else
            _ = Darwin.close(descriptor)
        #endif
    }
}
