import AsyncHTTPClient
import Foundation
import LifeboatCore
import LifeboatStorage
import Logging
import NIOHTTP1

/// An ``ObjectStorage`` in an S3 bucket (AWS or any S3-compatible server), signed with SigV4.
///
/// Key layout under the location's prefix, the same as ``LocalStorage`` so `aws s3 ls` shows
/// the familiar tree:
/// ```
/// <prefix>/config
/// <prefix>/keys/<name>   <prefix>/index/<name>   <prefix>/snapshots/<name>   <prefix>/locks/<name>
/// <prefix>/data/<first two chars>/<name>
/// ```
/// S3 makes every PUT atomic; objects above ``S3Configuration/multipartThreshold`` go up in
/// parts, and a failed multipart upload is aborted so no parts linger.
///
/// The storage owns an `HTTPClient` unless one is passed in: call ``shutdown()`` when done
/// with it (a forgotten shutdown is done on release, without waiting or reporting errors).
///
/// ```swift
/// let storage = try S3Storage(configuration: S3Configuration.resolve(url: "s3://my-backups/laptop"))
/// let config = try await storage.get(ObjectName(.config, "config"))
/// try await storage.shutdown()
/// ```
public final class S3Storage: ObjectStorage {
    /// The settings this storage was created with.
    public var configuration: S3Configuration { client.configuration }

    /// The repository URL, e.g. `s3:http://127.0.0.1:9000/bucket/prefix`; never credentials.
    public let location: String

    let client: S3Client

    /// Creates the storage; no request is sent until the first operation.
    ///
    /// - Parameters:
    ///   - httpClient: a client to share; nil makes the storage create (and own) one.
    ///   - logger: receives retry notices; never credentials.
    public init(
        configuration: S3Configuration, httpClient: HTTPClient? = nil, logger: Logger = Logger(label: "lifeboat.s3")
    ) throws {
        self.client = try S3Client(configuration: configuration, httpClient: httpClient, logger: logger)
        self.location = configuration.location.description
    }

    /// Shuts down the HTTP client the storage created; does nothing for a client passed in.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Creates the bucket in the configured region; succeeds when it already exists and is ours.
    ///
    /// Throws `.alreadyExists` when another account owns a bucket of that name.
    public func createBucket() async throws {
        let region = configuration.region
        // us-east-1 is the default and S3 rejects naming it as a constraint.
        let body =
            region == "us-east-1"
            ? nil
            : Data(
                """
                <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
                <LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>
                """.utf8)
        let request = S3Request(method: .PUT, key: nil, body: body, what: "create bucket")
        let response = try await client.send(request, maximumBodySize: S3Client.errorBodyLimit)
        if response.isSuccess || response.error?.code == "BucketAlreadyOwnedByYou" {
            client.state.confirmBucket()
            return
        }
        if response.error?.code == "BucketAlreadyExists" {
            throw LifeboatError(
                .alreadyExists, "cannot create \(client.bucketPhrase): the name is taken by another account")
        }
        throw client.failure(response, request)
    }

    // MARK: - ObjectStorage

    /// Uploads with one PutObject, or in parts above the multipart threshold.
    public func put(_ name: ObjectName, _ data: Data) async throws {
        try name.validate()
        let key = key(for: name)
        if data.count > configuration.multipartThreshold {
            try await putMultipart(name, key: key, data)
            return
        }
        let request = S3Request(method: .PUT, key: key, body: data, what: "put \(name)")
        let response = try await client.send(request, maximumBodySize: S3Client.errorBodyLimit)
        guard response.isSuccess else { throw client.failure(response, request) }
        client.state.confirmBucket()
    }

    /// Downloads a whole object, up to ``S3Configuration/maximumObjectSize`` bytes.
    public func get(_ name: ObjectName) async throws -> Data {
        try name.validate()
        let request = S3Request(method: .GET, key: key(for: name), what: "get \(name)")
        let response = try await client.send(request, maximumBodySize: configuration.maximumObjectSize)
        guard response.isSuccess else { throw missingOrFailure(response, request, name) }
        client.state.confirmBucket()
        return response.body
    }

    /// Downloads a byte range with a `Range` header, clipped to the object's end.
    public func getRange(_ name: ObjectName, offset: Int, length: Int) async throws -> Data {
        try name.validate()
        guard offset >= 0, length >= 0 else {
            throw LifeboatError(
                .invalidArgument,
                "invalid range of \(name): offset \(offset) and length \(length) must not be negative")
        }
        guard length > 0 else {
            // No Range header can ask for zero bytes, yet a missing object must still be reported.
            guard try await stat(name) != nil else { throw notFound(name) }
            return Data()
        }
        let (last, overflow) = offset.addingReportingOverflow(length - 1)
        let range = overflow ? "bytes=\(offset)-" : "bytes=\(offset)-\(last)"
        let request = S3Request(
            method: .GET, key: key(for: name), headers: [("range", range)], what: "get \(name) \(range)")
        // The limit, not the length: a server that ignores Range sends the whole object.
        let response = try await client.send(request, maximumBodySize: configuration.maximumObjectSize)
        switch response.status {
        case 206:
            client.state.confirmBucket()
            return response.body
        case 200:
            // A server that ignores Range sends the whole object: cut the range out here.
            client.state.confirmBucket()
            let body = response.body
            let start = min(offset, body.count)
            let end = start + min(length, body.count - start)
            return body.subdata(in: body.startIndex + start..<body.startIndex + end)
        case 416 where response.error?.code != "NoSuchKey":
            // The offset is at or past the end (or the object is empty): nothing to read.
            client.state.confirmBucket()
            return Data()
        default:
            throw missingOrFailure(response, request, name)
        }
    }

    /// Lists one kind with ListObjectsV2, following continuation tokens.
    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        if kind == .config {
            return try await stat(ObjectName(.config, "config")).map { [$0] } ?? []
        }
        let prefix = keyPrefix(for: kind)
        var result: [ObjectInfo] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(configuration.listPageSize))]
            if let token { query.append(("continuation-token", token)) }
            let request = S3Request(method: .GET, key: nil, query: query, what: "list \(kind.rawValue)")
            let response = try await client.send(request, maximumBodySize: 64 << 20)
            guard response.isSuccess else { throw client.failure(response, request) }
            client.state.confirmBucket()
            let page = try S3ListPage.parse(response.body, what: "S3 list \(kind.rawValue) in \(client.bucketPhrase)")
            for entry in page.entries {
                if let info = objectInfo(kind, relativeKey: entry.key.dropFirst(prefix.count), entry) {
                    result.append(info)
                }
            }
            if let next = page.continuationToken, next == token {
                throw LifeboatError(.io, "S3 list \(kind.rawValue) in \(client.bucketPhrase) returned the same continuation token twice")
            }
            token = page.continuationToken
        } while token != nil
        return result
    }

    /// Deletes with DELETE, which S3 answers with success for missing keys too.
    public func delete(_ name: ObjectName) async throws {
        try name.validate()
        let request = S3Request(method: .DELETE, key: key(for: name), what: "delete \(name)")
        let response = try await client.send(request, maximumBodySize: S3Client.errorBodyLimit)
        // Some S3-compatible servers answer NoSuchKey where AWS answers 204.
        guard response.isSuccess || response.error?.code == "NoSuchKey" else {
            throw client.failure(response, request)
        }
        client.state.confirmBucket()
    }

    /// Describes an object with HEAD; nil when it does not exist.
    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        try name.validate()
        let request = S3Request(method: .HEAD, key: key(for: name), what: "stat \(name)")
        let response = try await client.send(request, maximumBodySize: 0)
        if response.status == 404 {
            // HEAD answers carry no error code, so a missing bucket looks like a missing key.
            try await confirmBucketExists()
            return nil
        }
        guard response.isSuccess else { throw client.failure(response, request) }
        client.state.confirmBucket()
        guard let size = response.headers.first(name: "content-length").flatMap({ Int($0) }) else {
            throw LifeboatError(.io, "S3 stat \(name) in \(client.bucketPhrase): the answer has no Content-Length")
        }
        let modified = response.headers.first(name: "last-modified").flatMap(S3Client.parseHTTPDate)
        return ObjectInfo(name: name, size: size, modified: modified)
    }

    // MARK: - Keys

    /// The object's key: `<prefix>/<kind>/<name>`, with data fanned out by the name's first two characters.
    func key(for name: ObjectName) -> String {
        let relative: String
        switch name.kind {
        case .config: relative = "config"
        case .data: relative = "data/\(name.name.prefix(2))/\(name.name)"
        case .keys, .index, .snapshots, .locks: relative = "\(name.kind.rawValue)/\(name.name)"
        }
        let prefix = configuration.location.prefix
        return prefix.isEmpty ? relative : prefix + "/" + relative
    }

    /// The key prefix, ending in `/`, under which a kind's objects live.
    private func keyPrefix(for kind: ObjectKind) -> String {
        let prefix = configuration.location.prefix
        return (prefix.isEmpty ? "" : prefix + "/") + kind.rawValue + "/"
    }

    /// The object a listed key names, or nil for keys no valid name can produce.
    private func objectInfo(_ kind: ObjectKind, relativeKey: Substring, _ entry: S3ListPage.Entry) -> ObjectInfo? {
        let name: Substring
        if kind == .data {
            guard let slash = relativeKey.firstIndex(of: "/") else { return nil }
            name = relativeKey[relativeKey.index(after: slash)...]
            // A key in the wrong fan-out folder could never be read by name.
            guard relativeKey[..<slash] == name.prefix(2) else { return nil }
        } else {
            name = relativeKey
        }
        let object = ObjectName(kind, String(name))
        guard (try? object.validate()) != nil else { return nil }
        return ObjectInfo(name: object, size: entry.size, modified: entry.modified)
    }

    // MARK: - Errors

    func notFound(_ name: ObjectName) -> LifeboatError {
        LifeboatError(.notFound, "object \(name) not found in \(location)")
    }

    /// `.notFound` for a missing key, the mapped failure for anything else (a missing bucket included).
    private func missingOrFailure(_ response: S3Response, _ request: S3Request, _ name: ObjectName) -> LifeboatError {
        if response.status == 404 && response.error?.code != "NoSuchBucket" {
            return notFound(name)
        }
        return client.failure(response, request)
    }

    /// Throws `.notARepository` unless the bucket exists; asks S3 only until one request has shown it does.
    private func confirmBucketExists() async throws {
        guard !client.state.isBucketConfirmed else { return }
        let request = S3Request(method: .HEAD, key: nil, what: "check the bucket")
        let response = try await client.send(request, maximumBodySize: 0)
        if response.status == 404 {
            throw LifeboatError(.notARepository, "bucket \(configuration.location.bucket) does not exist at \(client.endpointText)")
        }
        guard response.isSuccess else { throw client.failure(response, request) }
        client.state.confirmBucket()
    }
}
