import Foundation

/// A BBolt file checker for tests, written from the public description of the format
/// (etcd-io/bbolt: `page.go`, `meta.go`, `bucket.go`, the freelist and `bbolt check`), not
/// from the demo node's reader, so a file both accept is BBolt by two readings.
///
/// ```swift
/// let report = try BBoltProbe.check(datadir + "/network/data.db")
/// #expect(report.root.buckets["transactions"]?.values.count == 40)
/// ```
///
/// It checks, page by page: both meta pages (page id, meta flag, magic `0xED0CDAED`,
/// version 2, FNV-1a 64 checksum of the 56 bytes before it) and takes the valid one with the
/// higher txid; the freelist page (ids sorted, unique, below the high-water mark); every
/// branch and leaf page reachable from the root bucket (its header id, its flag, keys in
/// strictly ascending byte order within the page and within the bounds its parent gives,
/// overflow pages inside the file); nested buckets, inline (root 0, a leaf page in the
/// value) or on pages; and that every page below the high-water mark is a meta page, the
/// freelist, in the tree or free — exactly one of them.
public enum BBoltProbe {
    /// One bucket's content.
    public struct Bucket: Sendable {
        /// The bucket's sequence.
        public var sequence: UInt64 = 0
        /// Whether it is stored inline in its parent's leaf.
        public var isInline = false
        /// Its key/value pairs.
        public var values: [[UInt8]: [UInt8]] = [:]
        /// Its nested buckets by name (keys read as UTF-8).
        public var buckets: [String: Bucket] = [:]
    }

    /// What the file holds at its chosen meta.
    public struct Report: Sendable {
        /// Bytes per page.
        public var pageSize = 0
        /// The chosen meta's transaction id.
        public var txid: UInt64 = 0
        /// How many of the two meta pages are valid.
        public var validMetas = 0
        /// The chosen meta's high-water mark (pages in use or free).
        public var highWater: UInt64 = 0
        /// The file's size in bytes.
        public var fileSize = 0
        /// Pages by kind: `meta`, `freelist`, `branch`, `leaf`, `overflow` (continuation pages), `free`.
        public var pages: [String: Int] = [:]
        /// The root bucket (holding only buckets).
        public var root = Bucket()
    }

    /// A reason the file is not valid BBolt.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Checks the file at `path`; throws ``Problem`` on the first violation.
    public static func check(_ path: String) throws -> Report {
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "cannot read \(path)") }
        return try check(bytes: [UInt8](data))
    }

    /// Checks a file's bytes.
    public static func check(bytes: [UInt8]) throws -> Report {
        var probe = Probe(bytes: bytes)
        return try probe.run()
    }

    private struct Meta {
        var pageSize: Int
        var root: UInt64
        var rootSequence: UInt64
        var freelist: UInt64
        var highWater: UInt64
        var txid: UInt64
    }

    private struct Probe {
        let bytes: [UInt8]
        var report = Report()
        /// What each page below the high-water mark turned out to be.
        var owner: [UInt64: String] = [:]

        func u16(_ at: Int) throws -> Int { Int(try number(at, 2)) }
        func u32(_ at: Int) throws -> Int { Int(try number(at, 4)) }
        func u64(_ at: Int) throws -> UInt64 { try number(at, 8) }

        func number(_ at: Int, _ width: Int) throws -> UInt64 {
            guard at >= 0, at + width <= bytes.count else { throw Problem(description: "read past the end of the file at byte \(at)") }
            var value: UInt64 = 0
            for index in stride(from: width - 1, through: 0, by: -1) { value = (value << 8) | UInt64(bytes[at + index]) }
            return value
        }

        /// The meta on page `index` (0 or 1) of a file with `pageSize`, or nil when invalid.
        func meta(page index: Int, pageSize: Int) -> Meta? {
            let at = index * pageSize
            guard at + 16 + 64 <= bytes.count, (try? u64(at)) == UInt64(index), (try? u16(at + 8)) == 0x04 else { return nil }
            let body = at + 16
            var fnv: UInt64 = 14_695_981_039_346_656_037
            for byte in bytes[body..<(body + 56)] {
                fnv ^= UInt64(byte)
                fnv = fnv &* 1_099_511_628_211
            }
            guard (try? u32(body)) == 0xED0C_DAED, (try? u32(body + 4)) == 2, (try? u64(body + 56)) == fnv,
                let size = try? u32(body + 8), size == pageSize
            else { return nil }
            return Meta(
                pageSize: size, root: (try? u64(body + 16)) ?? 0, rootSequence: (try? u64(body + 24)) ?? 0,
                freelist: (try? u64(body + 32)) ?? 0, highWater: (try? u64(body + 40)) ?? 0, txid: (try? u64(body + 48)) ?? 0)
        }

        mutating func claim(_ page: UInt64, as kind: String) throws {
            guard page < report.highWater else { throw Problem(description: "page \(page) (\(kind)) is at or past the high-water mark") }
            if let earlier = owner[page] { throw Problem(description: "page \(page) is both \(earlier) and \(kind)") }
            owner[page] = kind
            report.pages[kind, default: 0] += 1
        }

        /// Checks a page header and claims the page and its overflow; returns (count, byte offset, byte end).
        mutating func page(_ id: UInt64, flag: Int, kind: String) throws -> (count: Int, start: Int, end: Int) {
            let start = Int(id) * report.pageSize
            guard try u64(start) == id else { throw Problem(description: "page \(id) has header id \(try u64(start))") }
            guard try u16(start + 8) == flag else { throw Problem(description: "page \(id) has flags \(try u16(start + 8)), not \(kind)") }
            let overflow = try u32(start + 12)
            try claim(id, as: kind)
            for extra in 0..<UInt64(overflow) { try claim(id + 1 + extra, as: "overflow") }
            let end = start + (overflow + 1) * report.pageSize
            guard end <= bytes.count else { throw Problem(description: "page \(id) overflows past the end of the file") }
            return (try u16(start + 10), start, end)
        }

        mutating func run() throws -> Report {
            report.fileSize = bytes.count
            let pageSize = try u32(16 + 8)
            guard [1024, 2048, 4096, 8192, 16384, 32768, 65536].contains(pageSize) else {
                throw Problem(description: "meta 0 names page size \(pageSize)")
            }
            report.pageSize = pageSize
            let metas = [meta(page: 0, pageSize: pageSize), meta(page: 1, pageSize: pageSize)]
            report.validMetas = metas.compactMap { $0 }.count
            guard let chosen = metas.compactMap({ $0 }).max(by: { $0.txid < $1.txid }) else {
                throw Problem(description: "neither meta page is valid (page id, flag, magic, version, checksum)")
            }
            report.txid = chosen.txid
            report.highWater = chosen.highWater
            guard bytes.count % pageSize == 0 else { throw Problem(description: "the file size \(bytes.count) is not whole pages") }
            guard UInt64(bytes.count) >= chosen.highWater * UInt64(pageSize) else {
                throw Problem(description: "the file has \(bytes.count / pageSize) pages, the high-water mark is \(chosen.highWater)")
            }
            try claim(0, as: "meta")
            try claim(1, as: "meta")

            let freelist = try page(chosen.freelist, flag: 0x10, kind: "freelist")
            var count = freelist.count
            var first = freelist.start + 16
            if count == 0xFFFF {
                count = Int(try u64(first))
                first += 8
            }
            var previous: UInt64 = 1
            for index in 0..<count {
                let id = try u64(first + index * 8)
                guard id > previous else { throw Problem(description: "freelist ids are not ascending at \(id)") }
                guard first + index * 8 + 8 <= freelist.end else { throw Problem(description: "the freelist runs past its pages") }
                try claim(id, as: "free")
                previous = id
            }

            report.root = try bucket(root: chosen.root, sequence: chosen.rootSequence, inline: nil, topLevel: true)
            for id in 0..<chosen.highWater where owner[id] == nil {
                throw Problem(description: "page \(id) is below the high-water mark but neither used nor free")
            }
            return report
        }

        /// Reads a bucket: the pages under `root`, or the leaf page inside `inline`.
        mutating func bucket(root: UInt64, sequence: UInt64, inline: Range<Int>?, topLevel: Bool) throws -> Bucket {
            var result = Bucket(sequence: sequence, isInline: inline != nil)
            var leaves: [(start: Int, end: Int, count: Int)] = []
            if let inline {
                guard try u16(inline.lowerBound + 8) == 0x02 else { throw Problem(description: "an inline bucket is not a leaf page") }
                leaves = [(inline.lowerBound, inline.upperBound, try u16(inline.lowerBound + 10))]
            } else {
                try collectLeaves(root, lower: nil, upper: nil, into: &leaves)
            }
            var last: [UInt8]?
            for leaf in leaves {
                for index in 0..<leaf.count {
                    let element = leaf.start + 16 + index * 16
                    let flags = try u32(element)
                    let keyStart = element + (try u32(element + 4))
                    let keyEnd = keyStart + (try u32(element + 8))
                    let valueEnd = keyEnd + (try u32(element + 12))
                    guard element + 16 <= leaf.end, valueEnd <= leaf.end else {
                        throw Problem(description: "a leaf element at byte \(element) runs past its page")
                    }
                    let key = Array(bytes[keyStart..<keyEnd])
                    if let last, !last.lexicographicallyPrecedes(key) {
                        throw Problem(description: "key \(Self.show(key)) does not sort after \(Self.show(last))")
                    }
                    last = key
                    if flags & 0x01 == 0 {
                        guard !topLevel else { throw Problem(description: "the root bucket holds a plain value \(Self.show(key))") }
                        result.values[key] = Array(bytes[keyEnd..<valueEnd])
                        continue
                    }
                    guard valueEnd - keyEnd >= 16 else { throw Problem(description: "bucket \(Self.show(key)) has a short header") }
                    let childRoot = try u64(keyEnd)
                    let childSequence = try u64(keyEnd + 8)
                    result.buckets[String(decoding: key, as: UTF8.self)] = try bucket(
                        root: childRoot, sequence: childSequence, inline: childRoot == 0 ? (keyEnd + 16)..<valueEnd : nil, topLevel: false)
                }
            }
            return result
        }

        /// The leaf pages under `id` in key order, each key checked against its branch bounds.
        mutating func collectLeaves(
            _ id: UInt64, lower: [UInt8]?, upper: [UInt8]?, into leaves: inout [(start: Int, end: Int, count: Int)]
        )
            throws
        {
            guard id >= 2, Int(id) * report.pageSize + 16 <= bytes.count else {
                throw Problem(description: "tree page \(id) is not in the file")
            }
            let flag = try u16(Int(id) * report.pageSize + 8)
            if flag == 0x02 {
                let leaf = try page(id, flag: 0x02, kind: "leaf")
                for index in 0..<leaf.count {
                    let element = leaf.start + 16 + index * 16
                    let keyStart = element + (try u32(element + 4))
                    let keyEnd = keyStart + (try u32(element + 8))
                    guard keyEnd <= leaf.end else { throw Problem(description: "a leaf key on page \(id) runs past the page") }
                    try within(Array(bytes[keyStart..<keyEnd]), lower, upper, page: id)
                }
                leaves.append((leaf.start, leaf.end, leaf.count))
                return
            }
            let branch = try page(id, flag: 0x01, kind: "branch")
            var children: [(key: [UInt8], page: UInt64)] = []
            for index in 0..<branch.count {
                let element = branch.start + 16 + index * 16
                let keyStart = element + (try u32(element))
                let keyEnd = keyStart + (try u32(element + 4))
                guard keyEnd <= branch.end else { throw Problem(description: "a branch key on page \(id) runs past the page") }
                let key = Array(bytes[keyStart..<keyEnd])
                if let previous = children.last?.key, !previous.lexicographicallyPrecedes(key) {
                    throw Problem(description: "branch page \(id) keys are out of order")
                }
                try within(key, lower, upper, page: id)
                children.append((key, try u64(element + 8)))
            }
            for (index, child) in children.enumerated() {
                let next = index + 1 < children.count ? children[index + 1].key : upper
                try collectLeaves(child.page, lower: child.key, upper: next, into: &leaves)
            }
        }

        func within(_ key: [UInt8], _ lower: [UInt8]?, _ upper: [UInt8]?, page: UInt64) throws {
            if let lower, key.lexicographicallyPrecedes(lower) {
                throw Problem(description: "key \(Self.show(key)) on page \(page) sorts before its branch key \(Self.show(lower))")
            }
            if let upper, !key.lexicographicallyPrecedes(upper) {
                throw Problem(description: "key \(Self.show(key)) on page \(page) does not sort before the next branch key")
            }
        }

        static func show(_ key: [UInt8]) -> String {
            key.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
                ? String(decoding: key, as: UTF8.self) : key.map { String(format: "%02x", $0) }.joined()
        }
    }
}
