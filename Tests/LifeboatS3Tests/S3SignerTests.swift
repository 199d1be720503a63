import Foundation
import LifeboatCore
import Testing

@testable import LifeboatS3

/// The worked examples of AWS's "Signature Calculations for the Authorization Header" (S3 API reference).
@Suite struct S3SignerTests {
    let signer = S3Signer(
        credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    let timestamp = S3Timestamp(Date(timeIntervalSince1970: 1_369_353_600))
    let host = ("host", "examplebucket.s3.amazonaws.com")
    let date = ("x-amz-date", "20130524T000000Z")

    func signature(_ authorization: String) -> String {
        String(authorization.split(separator: "=").last ?? "")
    }

    @Test func timestampFormats() {
        #expect(timestamp.full == "20130524T000000Z")
        #expect(timestamp.day == "20130524")
        #expect(S3Timestamp(Date(timeIntervalSince1970: 1_700_000_000.9)).full == "20231114T221320Z")
    }

    @Test func getObjectWithRange() {
        let headers = [host, ("Range", "bytes=0-9"), ("x-amz-content-sha256", S3Signer.emptyPayloadHash), date]
        let canonical = S3Signer.canonicalRequest(
            method: "GET", canonicalURI: "/test.txt", query: [], headers: headers, payloadHash: S3Signer.emptyPayloadHash)
        let scope = "20130524/us-east-1/s3/aws4_request"
        #expect(
            S3Signer.stringToSign(canonicalRequest: canonical.text, timestamp: timestamp, scope: scope)
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n\(scope)\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
        let authorization = signer.authorization(
            method: "GET", canonicalURI: "/test.txt", query: [], headers: headers, payloadHash: S3Signer.emptyPayloadHash,
            timestamp: timestamp)
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func putObjectSignsTheRealBodyHash() {
        let body = Data("Welcome to Amazon S3.".utf8)
        let hash = S3Signer.payloadHash(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let headers = [
            host, ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-content-sha256", hash), date,
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ]
        let authorization = signer.authorization(
            method: "PUT", canonicalURI: "/" + S3Signer.uriEncode("test$file.text", keepSlash: true), query: [],
            headers: headers, payloadHash: hash, timestamp: timestamp)
        #expect(signature(authorization) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func subresourceWithoutValue() {
        let headers = [host, ("x-amz-content-sha256", S3Signer.emptyPayloadHash), date]
        let authorization = signer.authorization(
            method: "GET", canonicalURI: "/", query: [("lifecycle", "")], headers: headers,
            payloadHash: S3Signer.emptyPayloadHash, timestamp: timestamp)
        #expect(signature(authorization) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjectsWithUnsortedQuery() {
        let headers = [host, ("x-amz-content-sha256", S3Signer.emptyPayloadHash), date]
        let authorization = signer.authorization(
            method: "GET", canonicalURI: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: headers,
            payloadHash: S3Signer.emptyPayloadHash, timestamp: timestamp)
        #expect(signature(authorization) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func canonicalQueryEncodesEverythingButUnreservedCharacters() {
        let query = S3Signer.canonicalQuery([
            ("prefix", "repo/data/a b+c"), ("list-type", "2"), ("uploads", ""), ("continuation-token", "1x/Yz=="),
        ])
        #expect(query == "continuation-token=1x%2FYz%3D%3D&list-type=2&prefix=repo%2Fdata%2Fa%20b%2Bc&uploads=")
        #expect(S3Signer.uriEncode("a/b c~é", keepSlash: true) == "a/b%20c~%C3%A9")
    }

    @Test func headerValuesAreTrimmedAndNamesSortedCaseInsensitively() {
        let canonical = S3Signer.canonicalRequest(
            method: "GET", canonicalURI: "/", query: [], headers: [("X-Amz-Date", " 2013  x "), ("Host", "h")],
            payloadHash: "p")
        #expect(canonical.text == "GET\n/\n\nhost:h\nx-amz-date:2013 x\n\nhost;x-amz-date\np")
        #expect(canonical.signedHeaders == "host;x-amz-date")
    }
}
