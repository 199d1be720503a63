import Foundation
import LifeboatCore
import LifeboatStorage
import NIOHTTP1

extension S3Storage {
    /// Uploads `data` with CreateMultipartUpload, UploadPart and CompleteMultipartUpload.
    ///
    /// Any failure aborts the upload, so S3 keeps (and bills) no orphaned parts; the object
    /// appears only when the completion succeeds, which keeps the put atomic.
    func putMultipart(_ name: ObjectName, key: String, _ data: Data) async throws {
        let uploadID = try await createMultipartUpload(name, key: key)
        do {
            let partSize = Self.partSize(for: data.count, configured: configuration.partSize)
            var etags: [String] = []
            var offset = 0
            while offset < data.count {
                let end = min(offset + partSize, data.count)
                let number = etags.count + 1
                let part = data[(data.startIndex + offset)..<(data.startIndex + end)]
                let request = S3Request(
                    method: .PUT, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: part,
                    what: "put \(name) part \(number)")
                let response = try await client.send(request, maximumBodySize: S3Client.errorBodyLimit)
                guard response.isSuccess else { throw client.failure(response, request) }
                guard let etag = response.headers.first(name: "etag"), !etag.isEmpty else {
                    throw LifeboatError(.io, "S3 put \(name) part \(number) in \(client.bucketPhrase): the answer has no ETag")
                }
                etags.append(etag)
                offset = end
            }
            try await completeMultipartUpload(name, key: key, uploadID: uploadID, etags: etags)
            client.state.confirmBucket()
        } catch {
            await abortMultipartUpload(name, key: key, uploadID: uploadID)
            throw error
        }
    }

    /// The configured part size, grown when the object would otherwise need more than 10,000 parts.
    static func partSize(for count: Int, configured: Int) -> Int {
        let smallestAllowed = (count + S3Configuration.maximumPartCount - 1) / S3Configuration.maximumPartCount
        return max(configured, smallestAllowed)
    }

    /// The completion document listing every part's number and ETag.
    static func completionDocument(etags: [String]) -> Data {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for (index, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(escapeXML(etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        return Data(xml.utf8)
    }

    private func createMultipartUpload(_ name: ObjectName, key: String) async throws -> String {
        let request = S3Request(method: .POST, key: key, query: [("uploads", "")], what: "start multipart upload of \(name)")
        let response = try await client.send(request, maximumBodySize: S3Client.errorBodyLimit)
        guard response.isSuccess else { throw client.failure(response, request) }
        guard let root = S3XMLElement.parse(response.body), root.name == "InitiateMultipartUploadResult",
            let uploadID = root.value("UploadId"), !uploadID.isEmpty
        else {
            throw LifeboatError(
                .io, "S3 \(request.what) in \(client.bucketPhrase): the answer has no InitiateMultipartUploadResult with an UploadId")
        }
        return uploadID
    }

    private func completeMultipartUpload(_ name: ObjectName, key: String, uploadID: String, etags: [String]) async throws {
        let request = S3Request(
            method: .POST, key: key, query: [("uploadId", uploadID)], headers: [("content-type", "application/xml")],
            body: Self.completionDocument(etags: etags), what: "complete multipart upload of \(name)")
        var attempt = 0
        while true {
            attempt += 1
            let response = try await client.send(request, maximumBodySize: S3Client.errorBodyLimit)
            guard response.isSuccess else { throw client.failure(response, request) }
            // The document is CompleteMultipartUploadResult on AWS; some servers name it differently.
            if let root = S3XMLElement.parse(response.body), root.name != "Error" {
                return
            }
            // S3 may answer 200 and report the failure in the body, after the status was already sent.
            let error = S3ErrorBody.parse(response.body)
            if let code = error?.code, S3RetryPolicy.isRetryable(status: 500, code: code),
                attempt < configuration.retry.maximumAttempts
            {
                continue
            }
            throw LifeboatError(
                .io,
                "S3 \(request.what) in \(client.bucketPhrase) failed: "
                    + (error.map { "\($0.code)\($0.message.map { " (\($0))" } ?? "")" }
                        ?? "the answer is not an XML document but \(Self.excerpt(response.body))"))
        }
    }

    /// Best effort: a failed abort is logged, the original error is what the caller needs.
    private func abortMultipartUpload(_ name: ObjectName, key: String, uploadID: String) async {
        let client = self.client
        let request = S3Request(
            method: .DELETE, key: key, query: [("uploadId", uploadID)], what: "abort multipart upload of \(name)")
        // A fresh task, so the abort still goes out when the upload failed because it was cancelled.
        let outcome = await Task {
            do {
                let response = try await client.send(request, maximumBodySize: S3Client.errorBodyLimit)
                return response.isSuccess || response.error?.code == "NoSuchUpload" ? nil : "\(client.failure(response, request))"
            } catch {
                return "\(error)"
            }
        }.value
        if let outcome {
            client.logger.warning(
                "could not abort a failed S3 multipart upload; its parts stay until a lifecycle rule removes them",
                metadata: ["object": "\(name)", "bucket": "\(configuration.location.bucket)", "reason": "\(outcome)"])
        }
    }

    /// The start of a body, for messages about answers that made no sense.
    private static func excerpt(_ body: Data) -> String {
        body.isEmpty ? "an empty body" : String(decoding: body.prefix(200), as: UTF8.self).debugDescription
    }

    private static func escapeXML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
