/// A BBolt meta page's content: where the root bucket and the freelist are, the high-water
/// page id and the transaction id, closed by an FNV-1a checksum.
///
/// Commit `txid` writes its meta to page `txid % 2`; a reader takes the valid meta (magic,
/// version, checksum) with the higher txid, and the other one if that is damaged.
struct BBoltMeta: Sendable, Equatable {
    /// Bytes per page.
    var pageSize: Int
    /// Meta flags (unused by bbolt, 0).
    var flags: UInt32 = 0
    /// The root bucket's root page.
    var root: UInt64
    /// The root bucket's sequence.
    var rootSequence: UInt64 = 0
    /// The freelist page.
    var freelist: UInt64
    /// The high-water mark: pages `0..<highWater` are in use or free.
    var highWater: UInt64
    /// The transaction that wrote this meta.
    var txid: UInt64

    /// The whole meta page, its header id set to `pageID` (bbolt: `txid % 2`).
    func page(id pageID: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pageSize)
        bytes.appendLittleEndian(pageID)
        bytes.appendLittleEndian(BBoltLayout.PageFlag.meta.rawValue)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(BBoltLayout.magic)
        bytes.appendLittleEndian(BBoltLayout.version)
        bytes.appendLittleEndian(UInt32(pageSize))
        bytes.appendLittleEndian(flags)
        bytes.appendLittleEndian(root)
        bytes.appendLittleEndian(rootSequence)
        bytes.appendLittleEndian(freelist)
        bytes.appendLittleEndian(highWater)
        bytes.appendLittleEndian(txid)
        bytes.appendLittleEndian(fnv1a64(bytes[BBoltLayout.pageHeaderSize...]))
        bytes.append(contentsOf: repeatElement(0, count: pageSize - bytes.count))
        return bytes
    }

    /// The meta in `file` at byte `offset` (a page start), or why it is not valid.
    static func read(_ file: [UInt8], at offset: Int) -> Result<BBoltMeta, BBoltFormatError> {
        let base = offset + BBoltLayout.pageHeaderSize
        guard let magic = file.littleEndian(UInt32.self, at: base), let checksum = file.littleEndian(UInt64.self, at: base + 56) else {
            return .failure(BBoltFormatError("meta page at byte \(offset) is cut short"))
        }
        guard magic == BBoltLayout.magic else { return .failure(BBoltFormatError("meta page at byte \(offset) has no BBolt magic")) }
        let field = { (index: Int) -> UInt64 in file.littleEndian(UInt64.self, at: base + 16 + index * 8) ?? 0 }
        let version = file.littleEndian(UInt32.self, at: base + 4) ?? 0
        guard version == BBoltLayout.version else {
            return .failure(BBoltFormatError("meta page at byte \(offset) is format version \(version), not 2"))
        }
        guard fnv1a64(file[base..<base + BBoltLayout.metaChecksummedSize]) == checksum else {
            return .failure(BBoltFormatError("meta page at byte \(offset) fails its checksum"))
        }
        let meta = BBoltMeta(
            pageSize: Int(file.littleEndian(UInt32.self, at: base + 8) ?? 0), flags: file.littleEndian(UInt32.self, at: base + 12) ?? 0,
            root: field(0), rootSequence: field(1), freelist: field(2), highWater: field(3), txid: field(4))
        guard [1024, 2048, 4096, 8192, 16384, 32768, 65536].contains(meta.pageSize) else {
            return .failure(BBoltFormatError("meta page at byte \(offset) names page size \(meta.pageSize)"))
        }
        return .success(meta)
    }
}

/// A BBolt file that does not follow the format.
struct BBoltFormatError: Error, CustomStringConvertible {
    /// What is wrong, and where.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
