import Foundation
import LifeboatCore

/// Everything ``S3Storage`` needs to know: where, as whom, and how patiently.
///
/// ```swift
/// var configuration = try S3Configuration.resolve(url: "s3:http://127.0.0.1:9000/backups/laptop")
/// configuration.retry.maximumAttempts = 8
/// let storage = try S3Storage(configuration: configuration)
/// defer { Task { try await storage.shutdown() } }
/// ```
public struct S3Configuration: Sendable {
    /// The smallest part S3 accepts in a multipart upload, except for the last part.
    public static let minimumPartSize = 5 << 20
    /// The most parts S3 accepts in one multipart upload.
    static let maximumPartCount = 10_000

    /// Endpoint, bucket, prefix and addressing.
    public var location: S3Location
    /// The region requests are signed for, e.g. `us-east-1`.
    public var region: String
    /// The keys that sign requests.
    public var credentials: S3Credentials
    /// Which failures are retried, how often and how long apart.
    public var retry = S3RetryPolicy()
    /// Objects larger than this many bytes are uploaded in parts; smaller ones in one PutObject.
    public var multipartThreshold = 16 << 20
    /// The size of each part of a multipart upload but the last; at least ``minimumPartSize``.
    public var partSize = 8 << 20
    /// Keys asked for per ListObjectsV2 page, 1 to 1000.
    public var listPageSize = 1000
    /// `get` and `getRange` refuse to read more than this many bytes into memory.
    public var maximumObjectSize = 64 << 20
    /// How long one attempt of one request may take, body included; ``resolve(url:region:credentials:environment:)``
    /// takes it from `LIFEBOAT_S3_REQUEST_TIMEOUT` (seconds) when that is set.
    public var requestTimeout: Duration = .seconds(120)
    /// How long establishing a connection may take (for a client ``S3Storage`` creates itself).
    public var connectTimeout: Duration = .seconds(10)
    /// Lets tests go below S3's minimum part size to provoke a failed multipart upload.
    var allowsUndersizedParts = false

    /// Creates a configuration with default limits.
    public init(location: S3Location, region: String = "us-east-1", credentials: S3Credentials) {
        self.location = location
        self.region = region
        self.credentials = credentials
    }

    /// Builds a configuration from a repository URL, taking what is not given from the environment.
    ///
    /// The region is `region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`;
    /// credentials are `credentials`, else ``S3Credentials/resolve(environment:)``; the request
    /// timeout is `LIFEBOAT_S3_REQUEST_TIMEOUT` seconds (a positive number, fractions allowed)
    /// when set, else 120 seconds.
    public static func resolve(
        url: String, region: String? = nil, credentials: S3Credentials? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> S3Configuration {
        let location = try S3Location.parse(url: url)
        let region =
            region ?? [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? "us-east-1"
        let credentials = try credentials ?? S3Credentials.resolve(environment: environment)
        var configuration = S3Configuration(location: location, region: region, credentials: credentials)
        if let text = environment[requestTimeoutVariable], !text.isEmpty {
            configuration.requestTimeout = try parseTimeout(text)
        }
        return configuration
    }

    /// The environment variable that sets ``requestTimeout``, in seconds.
    public static let requestTimeoutVariable = "LIFEBOAT_S3_REQUEST_TIMEOUT"

    /// A number of seconds, positive and at most a day, as a duration.
    static func parseTimeout(_ text: String) throws -> Duration {
        guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds > 0,
            seconds <= 86_400
        else {
            throw LifeboatError(
                .invalidArgument,
                "\(requestTimeoutVariable) must be a number of seconds above 0 and at most 86400, not \(text.debugDescription)")
        }
        return .milliseconds(Swift.max(Int64((seconds * 1000).rounded()), 1))
    }

    /// Throws `.invalidArgument` naming the first setting out of range.
    func validate() throws {
        guard !region.isEmpty, region.utf8.allSatisfy({ S3Signer.isUnreserved($0) }) else {
            throw LifeboatError(.invalidArgument, "invalid S3 region \(region.debugDescription)")
        }
        guard !credentials.accessKeyID.isEmpty, !credentials.secretAccessKey.isEmpty else {
            throw LifeboatError(.invalidArgument, "the S3 access key id and secret access key must not be empty")
        }
        guard retry.maximumAttempts >= 1 else {
            throw LifeboatError(.invalidArgument, "S3 retry attempts must be at least 1, not \(retry.maximumAttempts)")
        }
        guard partSize >= Self.minimumPartSize || (allowsUndersizedParts && partSize > 0) else {
            throw LifeboatError(
                .invalidArgument, "S3 part size \(partSize) is below S3's minimum of \(Self.minimumPartSize) bytes (5 MiB)")
        }
        guard multipartThreshold >= 0 else {
            throw LifeboatError(.invalidArgument, "the S3 multipart threshold must not be negative, not \(multipartThreshold)")
        }
        guard (1...1000).contains(listPageSize) else {
            throw LifeboatError(.invalidArgument, "the S3 list page size must be 1 to 1000, not \(listPageSize)")
        }
        guard maximumObjectSize > 0 else {
            throw LifeboatError(.invalidArgument, "the S3 maximum object size must be positive, not \(maximumObjectSize)")
        }
        guard requestTimeout > .zero, connectTimeout > .zero else {
            throw LifeboatError(.invalidArgument, "S3 timeouts must be positive")
        }
    }
}
