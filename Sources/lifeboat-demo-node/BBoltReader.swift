/// Reads a whole BBolt file: picks the valid meta with the higher txid, then walks the
/// root bucket's pages (branch, leaf, overflow) and every nested bucket, inline or on pages.
///
/// ```swift
/// let image = try BBoltReader(file: bytes).read()
/// let transactions = image.root[bucket: "transactions"].values.count
/// ```
struct BBoltReader {
    /// What a file holds at its chosen meta.
    struct Image {
        /// The meta chosen.
        var meta: BBoltMeta
        /// The root bucket with everything in it.
        var root: BBoltBucket
        /// Every page the meta's tree and freelist use (overflow pages included).
        var usedPages: Set<UInt64>
    }

    /// The file's bytes.
    let file: [UInt8]

    /// The meta a reader must use: the valid one with the higher txid (bbolt's `db.meta()`).
    func chooseMeta() throws -> BBoltMeta {
        let first = BBoltMeta.read(file, at: 0)
        // Meta 1 lies one page in; take the page size from meta 0, or try the usual sizes.
        let sizes = (try? first.get()).map { [$0.pageSize] } ?? [4096, 1024, 2048, 8192, 16384, 32768, 65536]
        let second = sizes.lazy.map { BBoltMeta.read(file, at: $0) }.first { (try? $0.get()) != nil } ?? BBoltMeta.read(file, at: 4096)
        let valid = [first, second].compactMap { try? $0.get() }.sorted { $0.txid > $1.txid }
        guard let meta = valid.first else {
            let reasons = [first, second].compactMap { result -> String? in
                if case .failure(let error) = result { return error.description }
                return nil
            }
            throw BBoltFormatError("no valid meta page (\(reasons.joined(separator: "; ")))")
        }
        return meta
    }

    /// Reads the tree at the chosen meta.
    func read() throws -> Image {
        let meta = try chooseMeta()
        guard UInt64(file.count) >= meta.highWater * UInt64(meta.pageSize) else {
            throw BBoltFormatError("the file has \(file.count) bytes, less than its \(meta.highWater) pages")
        }
        var walk = Walk(file: file, meta: meta)
        _ = try walk.page(meta.freelist, flag: .freelist)
        let root = try walk.bucket(root: meta.root, sequence: meta.rootSequence, depth: 0)
        return Image(meta: meta, root: root, usedPages: walk.used)
    }

    /// One walk over the pages, remembering every page seen so none is read twice.
    private struct Walk {
        let file: [UInt8]
        let meta: BBoltMeta
        var used: Set<UInt64> = []

        /// A page's header fields and its bytes (the page and its overflow pages).
        struct Page {
            var count: Int
            var bytes: ArraySlice<UInt8>
            var ids: ClosedRange<UInt64>
        }

        mutating func page(_ id: UInt64, flag: BBoltLayout.PageFlag) throws -> Page {
            let size = UInt64(meta.pageSize)
            guard id >= 2, id < meta.highWater else { throw BBoltFormatError("page \(id) is outside 2..<\(meta.highWater)") }
            let start = Int(id * size)
            guard let headerID = file.littleEndian(UInt64.self, at: start), let flags = file.littleEndian(UInt16.self, at: start + 8),
                let count = file.littleEndian(UInt16.self, at: start + 10), let overflow = file.littleEndian(UInt32.self, at: start + 12)
            else { throw BBoltFormatError("page \(id) is cut short") }
            guard headerID == id else { throw BBoltFormatError("page \(id) calls itself page \(headerID)") }
            guard flags == flag.rawValue else { throw BBoltFormatError("page \(id) has flags \(flags), expected \(flag.rawValue)") }
            let last = id + UInt64(overflow)
            guard last < meta.highWater else { throw BBoltFormatError("page \(id) overflows past the high-water mark") }
            let ids = id...last
            guard used.isDisjoint(with: ids) else { throw BBoltFormatError("page \(id) is referenced twice") }
            used.formUnion(ids)
            return Page(count: Int(count), bytes: file[start..<Int((last + 1) * size)], ids: ids)
        }

        /// Reads the bucket rooted at page `root` (or inline in `inline` when root is 0).
        mutating func bucket(root: UInt64, sequence: UInt64, inline: ArraySlice<UInt8>? = nil, depth: Int) throws -> BBoltBucket {
            guard depth < 64 else { throw BBoltFormatError("buckets nest deeper than 64") }
            var bucket = BBoltBucket(sequence: sequence)
            for (flags, key, value) in try elements(root: root, inline: inline, depth: depth) {
                if flags & BBoltLayout.bucketLeafFlag == 0 {
                    bucket.values[key] = Array(value)
                    continue
                }
                let header = Array(value.prefix(BBoltLayout.bucketHeaderSize))
                guard let childRoot = header.littleEndian(UInt64.self, at: 0), let childSequence = header.littleEndian(UInt64.self, at: 8)
                else { throw BBoltFormatError("bucket \(String(decoding: key, as: UTF8.self)) has a short header") }
                bucket.buckets[key] = try self.bucket(
                    root: childRoot, sequence: childSequence,
                    inline: childRoot == 0 ? value.dropFirst(BBoltLayout.bucketHeaderSize) : nil, depth: depth + 1)
            }
            return bucket
        }

        /// Each leaf element under `root` (or of the inline page) in order: flags, key, value.
        private mutating func elements(root: UInt64, inline: ArraySlice<UInt8>?, depth: Int) throws -> [Element] {
            if let inline {
                let bytes = Array(inline)
                guard let flags = bytes.littleEndian(UInt16.self, at: 8), flags == BBoltLayout.PageFlag.leaf.rawValue,
                    let count = bytes.littleEndian(UInt16.self, at: 10)
                else { throw BBoltFormatError("an inline bucket is not a leaf page") }
                return try leafElements(bytes, count: Int(count))
            }
            let flags = file.littleEndian(UInt16.self, at: Int(root * UInt64(meta.pageSize)) + 8)
            guard flags == BBoltLayout.PageFlag.branch.rawValue else {
                let page = try page(root, flag: .leaf)
                return try leafElements(Array(page.bytes), count: page.count)
            }
            let page = try page(root, flag: .branch)
            let bytes = Array(page.bytes)
            var out: [Element] = []
            for index in 0..<page.count {
                guard let child = bytes.littleEndian(UInt64.self, at: 16 + index * 16 + 8) else {
                    throw BBoltFormatError("branch page \(root) is cut short")
                }
                out += try elements(root: child, inline: nil, depth: depth + 1)
            }
            // Keys must ascend across leaves too, not only within each.
            for (previous, next) in zip(out, out.dropFirst()) where !previous.key.lexicographicallyPrecedes(next.key) {
                throw BBoltFormatError("keys under branch page \(root) are out of order")
            }
            return out
        }

        typealias Element = (flags: UInt32, key: [UInt8], value: ArraySlice<UInt8>)

        private func leafElements(_ bytes: [UInt8], count: Int) throws -> [Element] {
            var out: [Element] = []
            var previous: [UInt8]?
            for index in 0..<count {
                let element = 16 + index * 16
                guard let flags = bytes.littleEndian(UInt32.self, at: element),
                    let position = bytes.littleEndian(UInt32.self, at: element + 4),
                    let keySize = bytes.littleEndian(UInt32.self, at: element + 8),
                    let valueSize = bytes.littleEndian(UInt32.self, at: element + 12)
                else { throw BBoltFormatError("a leaf page is cut short") }
                let keyStart = element + Int(position)
                let valueEnd = keyStart + Int(keySize) + Int(valueSize)
                guard valueEnd <= bytes.count else { throw BBoltFormatError("a leaf element runs past its page") }
                let key = Array(bytes[keyStart..<keyStart + Int(keySize)])
                if let previous, !previous.lexicographicallyPrecedes(key) { throw BBoltFormatError("leaf keys are out of order") }
                previous = key
                out.append((flags, key, bytes[keyStart + Int(keySize)..<valueEnd]))
            }
            return out
        }
    }
}
