import LifeboatCore

/// Where a repository lives in S3: the endpoint, the bucket, a key prefix and how requests name the bucket.
///
/// Two URL forms are accepted by ``parse(url:)``:
/// ```
/// s3://BUCKET[/PREFIX]                           AWS; the endpoint follows the region
/// s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]       any S3-compatible server, path-style
/// ```
public struct S3Location: Hashable, Sendable, CustomStringConvertible {
    /// How a request names the bucket.
    public enum Addressing: String, Hashable, Sendable {
        /// `https://endpoint/BUCKET/KEY`: works with every S3-compatible server.
        case path
        /// `https://BUCKET.endpoint/KEY`: what AWS prefers.
        case virtualHosted
    }

    /// `http(s)://HOST[:PORT]` of a custom endpoint, or nil for AWS, whose endpoint depends on the region.
    public var endpoint: String?
    /// The bucket name.
    public var bucket: String
    /// The key prefix without leading or trailing slashes; empty for the bucket's root.
    public var prefix: String
    /// How requests name the bucket.
    public var addressing: Addressing

    /// Creates a location after checking the endpoint, bucket and prefix.
    public init(endpoint: String?, bucket: String, prefix: String = "", addressing: Addressing = .path) throws {
        if let endpoint {
            _ = try S3Endpoint(parsing: endpoint)
        }
        try Self.validateBucket(bucket)
        try Self.validatePrefix(prefix)
        self.endpoint = endpoint
        self.bucket = bucket
        self.prefix = prefix
        self.addressing = addressing
    }

    /// The URL form accepted by ``parse(url:)``; never contains credentials.
    public var description: String {
        let path = prefix.isEmpty ? bucket : bucket + "/" + prefix
        if let endpoint { return "s3:\(endpoint)/\(path)" }
        return "s3://\(path)"
    }

    /// The endpoint requests go to: the custom one, or the AWS endpoint of `region`.
    public func resolvedEndpoint(region: String) -> String {
        if let endpoint { return endpoint }
        // The China partition has its own domain.
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://s3.\(region).\(domain)"
    }

    /// Parses `s3://BUCKET[/PREFIX]` or `s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]`.
    ///
    /// Throws `.invalidArgument` naming what is wrong. URLs carrying credentials
    /// (`user:secret@host`) are rejected without echoing them.
    public static func parse(url: String) throws -> S3Location {
        guard url.hasPrefix("s3:") else {
            throw malformed(url, "it must start with s3: (s3://BUCKET[/PREFIX] or s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX])")
        }
        guard !url.contains("@") else {
            // The part before "@" is very likely a secret: keep it out of the message.
            throw LifeboatError(
                .invalidArgument,
                "malformed S3 repository URL: it must not contain credentials (user@host); "
                    + "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or use ~/.aws/credentials instead")
        }
        guard !url.contains("?"), !url.contains("#") else {
            throw malformed(url, "it must not contain a query (?) or fragment (#)")
        }
        let rest = url.dropFirst(3)
        if rest.hasPrefix("//") {
            let (bucket, prefix) = try splitBucketAndPrefix(rest.dropFirst(2), url: url)
            // Dotted bucket names do not match AWS's wildcard TLS certificate as a host name.
            let addressing: Addressing = bucket.contains(".") ? .path : .virtualHosted
            return try S3Location(endpoint: nil, bucket: bucket, prefix: prefix, addressing: addressing)
        }
        guard rest.hasPrefix("http://") || rest.hasPrefix("https://") else {
            throw malformed(url, "expected s3://BUCKET[/PREFIX] or s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]")
        }
        let schemeEnd = rest.range(of: "://")?.upperBound ?? rest.endIndex
        let afterScheme = rest[schemeEnd...]
        guard let slash = afterScheme.firstIndex(of: "/") else {
            throw malformed(url, "the bucket is missing after the host")
        }
        let endpoint = String(rest[..<slash])
        do {
            _ = try S3Endpoint(parsing: endpoint)
        } catch let error as LifeboatError {
            throw malformed(url, error.message)
        }
        let (bucket, prefix) = try splitBucketAndPrefix(afterScheme[afterScheme.index(after: slash)...], url: url)
        return try S3Location(endpoint: endpoint, bucket: bucket, prefix: prefix, addressing: .path)
    }

    private static func splitBucketAndPrefix(_ path: Substring, url: String) throws -> (String, String) {
        var trimmed = path
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { throw malformed(url, "the bucket is missing") }
        let bucket: Substring
        let prefix: Substring
        if let slash = trimmed.firstIndex(of: "/") {
            bucket = trimmed[..<slash]
            prefix = trimmed[trimmed.index(after: slash)...]
        } else {
            bucket = trimmed
            prefix = ""
        }
        do {
            try validateBucket(String(bucket))
            try validatePrefix(String(prefix))
        } catch let error as LifeboatError {
            throw malformed(url, error.message)
        }
        return (String(bucket), String(prefix))
    }

    private static func malformed(_ url: String, _ reason: String) -> LifeboatError {
        LifeboatError(.invalidArgument, "malformed S3 repository URL \(url.debugDescription): \(reason)")
    }

    /// AWS's bucket naming rules, which S3-compatible servers follow too.
    static func validateBucket(_ bucket: String) throws {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count) else {
            throw LifeboatError(
                .invalidArgument, "invalid bucket name \(bucket.debugDescription): it must be 3 to 63 characters long")
        }
        let isLowerAlphanumeric = { (byte: UInt8) in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard bytes.allSatisfy({ isLowerAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
            let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last)
        else {
            throw LifeboatError(
                .invalidArgument,
                "invalid bucket name \(bucket.debugDescription): only lowercase letters, digits, '.' and '-' are allowed, "
                    + "and it must start and end with a letter or digit")
        }
    }

    /// Prefix segments are plain names so that keys need no escaping and `aws s3 ls` shows them as typed.
    static func validatePrefix(_ prefix: String) throws {
        guard !prefix.isEmpty else { return }
        for segment in prefix.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty else {
                throw LifeboatError(
                    .invalidArgument,
                    "invalid key prefix \(prefix.debugDescription): it must not start or end with '/' or contain '//'")
            }
            guard segment != ".", segment != ".." else {
                throw LifeboatError(.invalidArgument, "invalid key prefix \(prefix.debugDescription): '.' and '..' are not allowed")
            }
            for byte in segment.utf8 where !S3Signer.isUnreserved(byte) {
                throw LifeboatError(
                    .invalidArgument,
                    "invalid key prefix \(prefix.debugDescription): only letters, digits, '.', '_', '-', '~' and '/' are allowed")
            }
        }
    }
}
