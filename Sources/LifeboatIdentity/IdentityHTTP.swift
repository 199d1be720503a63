import AsyncHTTPClient
import Foundation
import LifeboatCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

/// The HTTP calls identity sources make: one timeout per request, an optional CA file, bounded bodies.
struct IdentityHTTP: Sendable {
    /// A response: status and the whole body.
    struct Response: Sendable {
        /// The HTTP status code.
        var status: UInt
        /// The body (at most ``maxBody`` bytes).
        var body: [UInt8]
    }

    /// The client requests go through.
    let client: HTTPClient
    /// How long one request may take in all.
    let timeout: TimeAmount
    /// The TLS settings when a CA file is configured.
    let tls: TLSConfiguration?

    /// Identity responses are small; anything larger is refused rather than held in memory.
    static let maxBody = 64 << 20

    /// A client for one source; the CA file, when given, must be readable now.
    init(client: HTTPClient, timeoutSeconds: Double, caFile: String?, what: String) throws {
        self.client = client
        self.timeout = .nanoseconds(Int64(timeoutSeconds * 1_000_000_000))
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw LifeboatError(.invalidArgument, "cannot read the CA file \(caFile) configured for \(what)")
            }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            self.tls = tls
        } else {
            self.tls = nil
        }
    }

    /// Sends one request; a network failure becomes an `.io` error naming `what` and the URL, never a header.
    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, what: String
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        request.tlsConfiguration = tls
        do {
            let response = try await client.execute(request, timeout: timeout)
            var buffer = try await response.body.collect(upTo: Self.maxBody)
            return Response(status: response.status.code, body: buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw LifeboatError(.io, "\(what) at \(url) did not answer within \(timeout.nanoseconds / 1_000_000) ms")
        } catch is NIOTooManyBytesError {
            throw LifeboatError(.io, "\(what) at \(url) sent a body larger than \(Self.maxBody >> 20) MiB")
        } catch {
            throw LifeboatError(.io, "cannot reach \(what) at \(url): \(error)", cause: error)
        }
    }

    /// The JSON object in a body, or nil.
    static func jsonObject(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// Percent-escapes one path segment (Nuts key ids contain `#` and `:`).
    static func escapeSegment(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#;%+")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
