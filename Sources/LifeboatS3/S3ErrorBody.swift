import Foundation

/// What S3 says in the body of a failed request.
struct S3ErrorBody: Hashable, Sendable {
    /// S3's error code, e.g. `NoSuchKey` or `SignatureDoesNotMatch`.
    var code: String
    /// S3's human-readable message.
    var message: String?

    /// Reads an `<Error>` document; nil for anything else (HEAD answers have no body at all).
    static func parse(_ data: Data) -> S3ErrorBody? {
        guard !data.isEmpty, let root = S3XMLElement.parse(data), root.name == "Error", let code = root.value("Code") else {
            return nil
        }
        return S3ErrorBody(code: code, message: root.value("Message"))
    }
}
