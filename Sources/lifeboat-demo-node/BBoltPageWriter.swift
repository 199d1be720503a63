/// Lays a bucket tree out as BBolt pages, numbered from a first page id: leaf pages of sorted
/// elements, branch pages above them when a bucket needs more than one leaf, overflow pages
/// for an element larger than a page, small nested buckets inline in their parent's value.
///
/// ```swift
/// var writer = BBoltPageWriter(pageSize: 4096, firstPage: 2)
/// let root = writer.writeRootBucket(tree)
/// let freelist = writer.writeFreelist(freeIDs)
/// // writer.bytes are pages 2 ..< writer.nextPage
/// ```
struct BBoltPageWriter {
    /// Bytes per page.
    let pageSize: Int
    /// The id of the first page written.
    let firstPage: UInt64
    /// The pages written so far, back to back.
    private(set) var bytes: [UInt8] = []

    /// Starts an empty run of pages at `firstPage`.
    init(pageSize: Int, firstPage: UInt64) {
        self.pageSize = pageSize
        self.firstPage = firstPage
    }

    /// The id the next page gets.
    var nextPage: UInt64 { firstPage + UInt64(bytes.count / pageSize) }

    /// How many pages the freelist page of `count` ids takes.
    static func freelistPages(ids count: Int, pageSize: Int) -> Int {
        let entries = count >= BBoltLayout.countOverflowMark ? count + 1 : count
        return (BBoltLayout.pageHeaderSize + entries * 8 + pageSize - 1) / pageSize
    }

    /// Writes the root bucket (always on pages, never inline) and returns its root page.
    mutating func writeRootBucket(_ bucket: BBoltBucket) -> UInt64 {
        writeTree(leafElements(of: bucket))
    }

    /// Writes a freelist page listing `ids` (sorted) and returns its page id.
    mutating func writeFreelist(_ ids: [UInt64]) -> UInt64 {
        var body: [UInt8] = []
        let count: Int
        if ids.count >= BBoltLayout.countOverflowMark {
            count = BBoltLayout.countOverflowMark
            body.appendLittleEndian(UInt64(ids.count))
        } else {
            count = ids.count
        }
        for id in ids { body.appendLittleEndian(id) }
        return appendPage(flag: .freelist, count: count, body: body)
    }

    /// A leaf element: flags (bucket or not), key and value.
    private struct Element {
        var flags: UInt32
        var key: [UInt8]
        var value: [UInt8]
        var size: Int { BBoltLayout.elementSize + key.count + value.count }
    }

    /// The bucket's elements in key order; nested buckets are written first (their pages
    /// come before their parent's) unless they are small enough to live inline.
    private mutating func leafElements(of bucket: BBoltBucket) -> [Element] {
        bucket.sortedKeys.map { key in
            if let value = bucket.values[key] { return Element(flags: 0, key: key, value: value) }
            return Element(flags: BBoltLayout.bucketLeafFlag, key: key, value: bucketValue(bucket.buckets[key] ?? BBoltBucket()))
        }
    }

    /// A nested bucket's value: its header, then its leaf page inline when it has no nested
    /// buckets and fits in a quarter page (bbolt's rule), else only the header naming its root page.
    private mutating func bucketValue(_ bucket: BBoltBucket) -> [UInt8] {
        let elements = leafElements(of: bucket)
        var value: [UInt8] = []
        let inlineSize = BBoltLayout.pageHeaderSize + elements.reduce(0) { $0 + $1.size }
        if bucket.buckets.isEmpty && inlineSize <= pageSize / 4 {
            value.appendLittleEndian(UInt64(0))
            value.appendLittleEndian(bucket.sequence)
            value += Self.header(id: 0, flag: .leaf, count: elements.count, overflow: 0) + Self.leafBody(elements)
        } else {
            let root = writeTree(elements)
            value.appendLittleEndian(root)
            value.appendLittleEndian(bucket.sequence)
        }
        return value
    }

    /// Writes elements as leaf pages (one at least) and the branch levels above them; returns the top page.
    private mutating func writeTree(_ elements: [Element]) -> UInt64 {
        var level: [(key: [UInt8], page: UInt64)] = []
        for group in split(elements.map { ($0, $0.size) }) {
            let page = appendPage(flag: .leaf, count: group.count, body: Self.leafBody(group))
            level.append((group.first?.key ?? [], page))
        }
        while level.count > 1 {
            var parents: [(key: [UInt8], page: UInt64)] = []
            for group in split(level.map { ($0, BBoltLayout.elementSize + $0.key.count) }) {
                parents.append((group[0].key, appendPage(flag: .branch, count: group.count, body: Self.branchBody(group))))
            }
            level = parents
        }
        return level[0].page
    }

    /// Groups items into pages: as many as fit in one page, and one alone when it is larger.
    private func split<T>(_ items: [(T, Int)]) -> [[T]] {
        var groups: [[T]] = [[]]
        var used = BBoltLayout.pageHeaderSize
        for (item, size) in items {
            if used + size > pageSize, let last = groups.last, !last.isEmpty {
                groups.append([])
                used = BBoltLayout.pageHeaderSize
            }
            groups[groups.count - 1].append(item)
            used += size
        }
        return groups
    }

    /// Leaf elements (flags, pos, ksize, vsize), then each element's key and value; `pos` counts from the element.
    private static func leafBody(_ elements: [Element]) -> [UInt8] {
        var body: [UInt8] = []
        var data: [UInt8] = []
        for (index, element) in elements.enumerated() {
            let position = (elements.count - index) * BBoltLayout.elementSize + data.count
            body.appendLittleEndian(element.flags)
            body.appendLittleEndian(UInt32(position))
            body.appendLittleEndian(UInt32(element.key.count))
            body.appendLittleEndian(UInt32(element.value.count))
            data += element.key + element.value
        }
        return body + data
    }

    /// Branch elements (pos, ksize, child page id), then the keys: each child's first key.
    private static func branchBody(_ children: [(key: [UInt8], page: UInt64)]) -> [UInt8] {
        var body: [UInt8] = []
        var data: [UInt8] = []
        for (index, child) in children.enumerated() {
            body.appendLittleEndian(UInt32((children.count - index) * BBoltLayout.elementSize + data.count))
            body.appendLittleEndian(UInt32(child.key.count))
            body.appendLittleEndian(child.page)
            data += child.key
        }
        return body + data
    }

    /// Appends one page (and its overflow pages when the body needs them), padded with zeros.
    private mutating func appendPage(flag: BBoltLayout.PageFlag, count: Int, body: [UInt8]) -> UInt64 {
        let id = nextPage
        let pages = max(1, (BBoltLayout.pageHeaderSize + body.count + pageSize - 1) / pageSize)
        bytes += Self.header(id: id, flag: flag, count: count, overflow: pages - 1) + body
        bytes.append(contentsOf: repeatElement(0, count: pages * pageSize - BBoltLayout.pageHeaderSize - body.count))
        return id
    }

    /// A page header.
    private static func header(id: UInt64, flag: BBoltLayout.PageFlag, count: Int, overflow: Int) -> [UInt8] {
        var header: [UInt8] = []
        header.appendLittleEndian(id)
        header.appendLittleEndian(flag.rawValue)
        header.appendLittleEndian(UInt16(count))
        header.appendLittleEndian(UInt32(overflow))
        return header
    }
}
