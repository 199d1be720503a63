import Foundation
import LifeboatCore
import Testing

@testable import LifeboatS3

@Suite struct S3XMLTests {
    @Test func listPagesGiveEntriesAndTheNextToken() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>bucket</Name><Prefix>repo/keys/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
              <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
              <Contents><Key>repo/keys/a&amp;b</Key><LastModified>2026-11-22T10:00:00.000Z</LastModified><Size>42</Size></Contents>
              <Contents><Key>repo/keys/c</Key><LastModified>2026-11-22T10:00:01Z</LastModified><Size>0</Size></Contents>
            </ListBucketResult>
            """
        let page = try S3ListPage.parse(Data(xml.utf8), what: "list")
        #expect(page.entries.map(\.key) == ["repo/keys/a&b", "repo/keys/c"])
        #expect(page.entries.map(\.size) == [42, 0])
        #expect(page.entries[0].modified == Date(timeIntervalSince1970: 1_795_341_600))
        #expect(page.continuationToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")

        let last = try S3ListPage.parse(
            Data(xml.replacingOccurrences(of: "<IsTruncated>true", with: "<IsTruncated>false").utf8), what: "list")
        #expect(last.continuationToken == nil)
    }

    @Test(arguments: [
        ("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", "truncated but has no NextContinuationToken"),
        ("<ListBucketResult><Contents><Key>k</Key><Size>x</Size></Contents></ListBucketResult>", "lacks a Key or a numeric Size"),
        ("<Error><Code>NoSuchBucket</Code></Error>", "not a ListBucketResult"),
        ("not xml at all", "not a ListBucketResult"),
    ])
    func malformedListPagesAreRejected(xml: String, reason: String) {
        let error = #expect(throws: LifeboatError.self) { try S3ListPage.parse(Data(xml.utf8), what: "list keys") }
        #expect(error?.code == .io)
        #expect(error?.message.hasPrefix("list keys: ") == true)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
    }

    @Test func errorBodies() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message>
            <StringToSign>AWS4-HMAC-SHA256</StringToSign><RequestId>1</RequestId></Error>
            """
        #expect(
            S3ErrorBody.parse(Data(xml.utf8))
                == S3ErrorBody(code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match"))
        #expect(S3ErrorBody.parse(Data()) == nil)
        #expect(S3ErrorBody.parse(Data("<ListBucketResult/>".utf8)) == nil)
    }

    @Test func completionDocumentListsPartsInOrder() throws {
        let document = S3Storage.completionDocument(etags: ["\"a1\"", "\"b2\""])
        let root = try #require(S3XMLElement.parse(document))
        #expect(root.name == "CompleteMultipartUpload")
        #expect(root.children("Part").map { $0.value("PartNumber") } == ["1", "2"])
        #expect(root.children("Part").map { $0.value("ETag") } == ["\"a1\"", "\"b2\""])
    }

    @Test func httpDates() {
        #expect(S3Client.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(S3Client.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 CET") == nil)
        #expect(S3Client.parseHTTPDate("yesterday") == nil)
    }
}
