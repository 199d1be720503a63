import Foundation
import NIOHTTP1

/// One S3 request before signing: which key (or the bucket itself), query, extra headers and body.
struct S3Request: Sendable {
    /// The HTTP method.
    var method: HTTPMethod
    /// The object key, or nil for a request on the bucket itself.
    var key: String?
    /// Query parameters, not yet encoded.
    var query: [(String, String)] = []
    /// Headers beyond the ones every request gets (host, date, payload hash, token).
    var headers: [(String, String)] = []
    /// The body, or nil for none.
    var body: Data?
    /// What the request does, for messages: `get data/ab/ab12…`.
    var what: String
}
