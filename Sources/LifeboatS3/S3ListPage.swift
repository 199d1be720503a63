import Foundation
import LifeboatCore

/// One page of a ListObjectsV2 answer.
struct S3ListPage: Sendable {
    /// One listed object.
    struct Entry: Hashable, Sendable {
        /// The full key.
        var key: String
        /// The size in bytes.
        var size: Int
        /// The last-modified time, if it parsed.
        var modified: Date?
    }

    /// The objects on this page.
    var entries: [Entry]
    /// The token for the next page, when the listing is truncated.
    var continuationToken: String?

    /// Parses a `<ListBucketResult>`; throws `.io` naming what was malformed.
    static func parse(_ data: Data, what: String) throws -> S3ListPage {
        guard let root = S3XMLElement.parse(data), root.name == "ListBucketResult" else {
            throw LifeboatError(.io, "\(what): the answer is not a ListBucketResult XML document")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(root.children.count)
        for contents in root.children("Contents") {
            guard let key = contents.value("Key"), let size = contents.value("Size").flatMap({ Int($0) }) else {
                throw LifeboatError(.io, "\(what): a <Contents> entry lacks a Key or a numeric Size")
            }
            entries.append(Entry(key: key, size: size, modified: contents.value("LastModified").flatMap(ISO8601.parse)))
        }
        let truncated = root.value("IsTruncated") == "true"
        let token = root.value("NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        if truncated && token == nil {
            throw LifeboatError(.io, "\(what): the listing is truncated but has no NextContinuationToken")
        }
        return S3ListPage(entries: entries, continuationToken: truncated ? token : nil)
    }
}
