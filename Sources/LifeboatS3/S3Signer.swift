import Crypto
import Foundation
import LifeboatCore

/// AWS Signature Version 4 for S3: the `Authorization` header of one request.
///
/// The caller passes every header it will send (the `Host` header included) and the hex
/// SHA-256 of the body, which it also sends as `x-amz-content-sha256` so S3 checks the
/// body against the signature.
struct S3Signer: Sendable {
    /// The keys that sign.
    let credentials: S3Credentials
    /// The region in the credential scope, e.g. `us-east-1`.
    let region: String
    /// The service in the credential scope.
    let service = "s3"

    /// The hex SHA-256 of an empty body.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The hex SHA-256 of `data`.
    static func payloadHash(_ data: Data) -> String {
        Hex.encode(SHA256.hash(data: data))
    }

    /// The `Authorization` header value for a request.
    ///
    /// - Parameters:
    ///   - canonicalURI: the request path, already URI-encoded exactly as it is sent.
    ///   - query: the query parameters, not yet encoded.
    ///   - headers: every header that is sent and should be signed, `host` and `x-amz-date` included.
    func authorization(
        method: String, canonicalURI: String, query: [(String, String)], headers: [(String, String)],
        payloadHash: String, timestamp: S3Timestamp
    ) -> String {
        let canonical = Self.canonicalRequest(
            method: method, canonicalURI: canonicalURI, query: query, headers: headers, payloadHash: payloadHash)
        let scope = "\(timestamp.day)/\(region)/\(service)/aws4_request"
        let toSign = Self.stringToSign(canonicalRequest: canonical.text, timestamp: timestamp, scope: scope)
        let signature = Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: signingKey(day: timestamp.day)))
        return
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope),SignedHeaders=\(canonical.signedHeaders),Signature=\(signature)"
    }

    /// The canonical request and the `SignedHeaders` list.
    static func canonicalRequest(
        method: String, canonicalURI: String, query: [(String, String)], headers: [(String, String)], payloadHash: String
    ) -> (text: String, signedHeaders: String) {
        let normalized = headers.map { (name: $0.0.lowercased(), value: normalizeHeaderValue($0.1)) }
            .sorted { $0.name < $1.name }
        let canonicalHeaders = normalized.map { "\($0.name):\($0.value)\n" }.joined()
        let signedHeaders = normalized.map(\.name).joined(separator: ";")
        let text = [method, canonicalURI, canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        return (text, signedHeaders)
    }

    /// The string to sign: algorithm, time, scope and the hash of the canonical request.
    static func stringToSign(canonicalRequest: String, timestamp: S3Timestamp, scope: String) -> String {
        let hash = Hex.encode(SHA256.hash(data: Data(canonicalRequest.utf8)))
        return "AWS4-HMAC-SHA256\n\(timestamp.full)\n\(scope)\n\(hash)"
    }

    /// Query parameters encoded and sorted as the signature (and therefore the request URL) needs them.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { pair in
            (uriEncode(pair.0, keepSlash: false), uriEncode(pair.1, keepSlash: false))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// AWS's URI encoding: unreserved characters stay, every other byte becomes `%XX`.
    static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        var result = [UInt8]()
        result.reserveCapacity(text.utf8.count)
        let digits = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                result.append(byte)
            } else {
                result.append(UInt8(ascii: "%"))
                result.append(digits[Int(byte >> 4)])
                result.append(digits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `A-Z a-z 0-9 - _ . ~`, which URI encoding leaves alone.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func normalizeHeaderValue(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    private func signingKey(day: String) -> SymmetricKey {
        let dateKey = HMAC<SHA256>.authenticationCode(
            for: Data(day.utf8), using: SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8)))
        let regionKey = HMAC<SHA256>.authenticationCode(for: Data(region.utf8), using: SymmetricKey(data: Data(dateKey)))
        let serviceKey = HMAC<SHA256>.authenticationCode(for: Data(service.utf8), using: SymmetricKey(data: Data(regionKey)))
        let signingKey = HMAC<SHA256>.authenticationCode(for: Data("aws4_request".utf8), using: SymmetricKey(data: Data(serviceKey)))
        return SymmetricKey(data: Data(signingKey))
    }
}
