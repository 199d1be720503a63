import Foundation
import LifeboatCore
import LifeboatStorage
import Testing

@testable import LifeboatS3

@Suite struct S3LocationTests {
    @Test(arguments: [
        ("s3:http://127.0.0.1:9000/bucket/repo/main", "http://127.0.0.1:9000", "bucket", "repo/main", S3Location.Addressing.path),
        ("s3:https://minio.example.com/backups", "https://minio.example.com", "backups", "", .path),
        ("s3:https://minio.example.com/backups/", "https://minio.example.com", "backups", "", .path),
        ("s3:http://[::1]:9000/b-1.x/p_1/~q", "http://[::1]:9000", "b-1.x", "p_1/~q", .path),
    ])
    func customEndpoints(url: String, endpoint: String, bucket: String, prefix: String, addressing: S3Location.Addressing) throws {
        let location = try S3Location.parse(url: url)
        #expect(location.endpoint == endpoint)
        #expect(location.bucket == bucket)
        #expect(location.prefix == prefix)
        #expect(location.addressing == addressing)
        #expect(location.resolvedEndpoint(region: "eu-west-1") == endpoint)
        #expect(try S3Location.parse(url: location.description) == location)
    }

    @Test func awsURLsUseTheRegionalEndpointAndVirtualHostedAddressing() throws {
        let location = try S3Location.parse(url: "s3://my-backups/laptop/home")
        #expect(location.endpoint == nil)
        #expect(location.bucket == "my-backups")
        #expect(location.prefix == "laptop/home")
        #expect(location.addressing == .virtualHosted)
        #expect(location.resolvedEndpoint(region: "eu-central-1") == "https://s3.eu-central-1.amazonaws.com")
        #expect(location.resolvedEndpoint(region: "cn-north-1") == "https://s3.cn-north-1.amazonaws.com.cn")
        #expect(location.description == "s3://my-backups/laptop/home")
        // A dotted name would not match AWS's wildcard certificate as a host name.
        #expect(try S3Location.parse(url: "s3://my.backups").addressing == .path)
    }

    @Test(arguments: [
        ("/srv/repo", "it must start with s3:"),
        ("s3:", "expected s3://BUCKET"),
        ("s3://", "the bucket is missing"),
        ("s3:ftp://host/bucket", "expected s3://BUCKET"),
        ("s3:http://host", "the bucket is missing after the host"),
        ("s3:http:///bucket", "must be http(s)://HOST[:PORT]"),
        ("s3:http://host:0/bucket", "invalid port"),
        ("s3:http://host:99999/bucket", "invalid port"),
        ("s3:http://host:abc/bucket", "invalid port"),
        ("s3://Bucket", "only lowercase letters"),
        ("s3://ab", "3 to 63 characters"),
        ("s3://-bucket", "start and end with a letter or digit"),
        ("s3://bucket/a//b", "must not start or end with '/' or contain '//'"),
        ("s3://bucket/a/../b", "'.' and '..' are not allowed"),
        ("s3://bucket/a b", "only letters, digits"),
        ("s3://bucket/x?y=1", "must not contain a query"),
        ("s3://bucket#frag", "must not contain a query"),
    ])
    func malformedURLsAreRejectedWithTheReason(url: String, reason: String) {
        let error = #expect(throws: LifeboatError.self) { try S3Location.parse(url: url) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(reason) == true, "\(url): \(error?.message ?? "")")
        #expect(error?.message.contains(url.debugDescription) == true, "the message names the URL: \(error?.message ?? "")")
    }

    @Test func credentialsInTheURLAreRejectedWithoutRepeatingThem() {
        let error = #expect(throws: LifeboatError.self) {
            try S3Location.parse(url: "s3:http://AKIAKEY:SuperSecret@host:9000/bucket")
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("must not contain credentials") == true)
        #expect(error?.message.contains("SuperSecret") == false)
    }

    @Test func configurationTakesRegionAndCredentialsFromTheEnvironment() throws {
        let environment = [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_DEFAULT_REGION": "eu-west-3",
        ]
        let configuration = try S3Configuration.resolve(url: "s3://bucket/p", environment: environment)
        #expect(configuration.region == "eu-west-3")
        #expect(configuration.credentials.accessKeyID == "AKIAENV")
        var both = environment
        both["AWS_REGION"] = "ap-south-1"
        #expect(try S3Configuration.resolve(url: "s3://bucket", environment: both).region == "ap-south-1")
        #expect(try S3Configuration.resolve(url: "s3://bucket", region: "us-west-2", environment: both).region == "us-west-2")
        var none = environment
        none["AWS_DEFAULT_REGION"] = nil
        #expect(try S3Configuration.resolve(url: "s3://bucket", environment: none).region == "us-east-1")
    }

    @Test func theRequestTimeoutComesFromTheEnvironmentWhenSet() throws {
        let keys = ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret"]
        #expect(try S3Configuration.resolve(url: "s3://bucket", environment: keys).requestTimeout == .seconds(120))
        var environment = keys
        environment["LIFEBOAT_S3_REQUEST_TIMEOUT"] = "2.5"
        #expect(try S3Configuration.resolve(url: "s3://bucket", environment: environment).requestTimeout == .milliseconds(2500))
        environment["LIFEBOAT_S3_REQUEST_TIMEOUT"] = "300"
        #expect(try S3Configuration.resolve(url: "s3://bucket", environment: environment).requestTimeout == .seconds(300))
        for bad in ["0", "-1", "soon", "1e9", "nan"] {
            environment["LIFEBOAT_S3_REQUEST_TIMEOUT"] = bad
            let error = #expect(throws: LifeboatError.self, "\(bad)") {
                try S3Configuration.resolve(url: "s3://bucket", environment: environment)
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("LIFEBOAT_S3_REQUEST_TIMEOUT") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains(bad.debugDescription) == true, "\(error?.message ?? "")")
        }
    }

    @Test func requestsAddressTheBucketByPathOrByHost() async throws {
        var configuration = try S3Configuration.resolve(
            url: "s3://bucket/repo", region: "eu-west-1", credentials: fakeCredentials, environment: [:])
        let virtual = try S3Storage(configuration: configuration)
        let key = virtual.key(for: ObjectName(.data, "abcdef"))
        #expect(key == "repo/data/ab/abcdef")
        let request = S3Request(method: .GET, key: key, what: "get")
        #expect(virtual.client.target(for: request).url == "https://bucket.s3.eu-west-1.amazonaws.com/repo/data/ab/abcdef")
        #expect(virtual.client.target(for: request).host == "bucket.s3.eu-west-1.amazonaws.com")
        try await virtual.shutdown()
        configuration.location.addressing = .path
        let path = try S3Storage(configuration: configuration)
        #expect(path.client.target(for: request).url == "https://s3.eu-west-1.amazonaws.com/bucket/repo/data/ab/abcdef")
        #expect(path.client.target(for: S3Request(method: .GET, key: nil, what: "list")).path == "/bucket")
        #expect(path.key(for: ObjectName(.config, "config")) == "repo/config")
        #expect(path.key(for: ObjectName(.snapshots, "s1")) == "repo/snapshots/s1")
        try await path.shutdown()
    }

    @Test func invalidSettingsAreRejectedBeforeAnyRequest() throws {
        var configuration = try S3Configuration.resolve(url: "s3://bucket", credentials: fakeCredentials, environment: [:])
        configuration.partSize = 1 << 20
        let error = #expect(throws: LifeboatError.self) { try S3Storage(configuration: configuration) }
        #expect(error?.message.contains("below S3's minimum") == true)
        configuration.partSize = 5 << 20
        configuration.listPageSize = 1001
        #expect(throws: LifeboatError.self) { try S3Storage(configuration: configuration) }
    }
}
