import Foundation
import NIOHTTP1

/// An S3 answer with its body read into memory.
struct S3Response: Sendable {
    /// The HTTP status code.
    var status: Int
    /// The response headers.
    var headers: HTTPHeaders
    /// The body.
    var body: Data
    /// How many attempts it took.
    var attempts: Int

    /// S3's `<Error>` document of a failed request; nil for successes, whose bodies are object data.
    var error: S3ErrorBody? { isSuccess ? nil : S3ErrorBody.parse(body) }
    /// Whether the status is 2xx.
    var isSuccess: Bool { (200..<300).contains(status) }
}
