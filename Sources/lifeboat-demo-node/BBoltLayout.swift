/// BBolt's on-disk constants, from the public format (etcd-io/bbolt `internal/common`): every
/// page starts with a 16-byte header (id u64, flags u16, count u16, overflow u32, little
/// endian), leaf and branch elements are 16 bytes each, a bucket value starts with a 16-byte
/// header (root page u64, sequence u64).
enum BBoltLayout {
    /// Bytes of the page header before a page's elements or meta.
    static let pageHeaderSize = 16
    /// Bytes of one leaf element (flags, pos, ksize, vsize: u32 each) or branch element (pos, ksize: u32; pgid u64).
    static let elementSize = 16
    /// Bytes of a bucket value's header: root page id and sequence.
    static let bucketHeaderSize = 16
    /// Bytes of the meta before its checksum (magic … txid), the checksummed part.
    static let metaChecksummedSize = 56
    /// The meta's magic number.
    static let magic: UInt32 = 0xED0C_DAED
    /// The file format version.
    static let version: UInt32 = 2
    /// The page size the demo node writes (bbolt uses the OS page size).
    static let defaultPageSize = 4096
    /// A leaf element whose value is a bucket.
    static let bucketLeafFlag: UInt32 = 0x01

    /// Page type flags of the page header.
    enum PageFlag: UInt16 {
        case branch = 0x01
        case leaf = 0x02
        case meta = 0x04
        case freelist = 0x10
    }

    /// The page header count that says "the real count is the first u64" (freelists of 64 Ki ids and more).
    static let countOverflowMark = 0xFFFF
}

extension Array where Element == UInt8 {
    /// Appends `value` in little-endian order.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// Writes `value` in little-endian order at `offset` (which must lie inside the array).
    mutating func setLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { bytes in
            for (index, byte) in bytes.enumerated() { self[offset + index] = byte }
        }
    }

    /// The little-endian integer at `offset`, or nil when it does not fit in the array.
    func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        var value: T = 0
        for index in (0..<size).reversed() { value = value << 8 | T(self[offset + index]) }
        return value
    }
}

/// FNV-1a, 64 bit: the checksum of a BBolt meta (Go's `hash/fnv` `New64a`).
func fnv1a64<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}
