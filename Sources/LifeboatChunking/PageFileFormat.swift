/// A page-structured database file format whose page size is in its header.
///
/// Files of these formats are chunked on page boundaries instead of by content,
/// so that a scattered row update costs about the pages it touched.
///
/// ```swift
/// if let (format, pageSize) = PageFileFormat.detect(header: firstBytes) { ... }
/// ```
public enum PageFileFormat: String, Sendable, Codable {
    /// An SQLite 3 database ("SQLite format 3\0" header).
    case sqlite
    /// A BBolt (bolt) key/value store, as used by etcd and Nuts.
    case bbolt

    /// How many leading bytes of a file ``detect(header:)`` needs to recognise every format.
    public static let headerLength = 100

    /// The format and page size of a file from its first bytes, or nil when it is neither format.
    ///
    /// Pass at least ``headerLength`` bytes when the file has them; a header cut short
    /// before the page size field is not recognised.
    public static func detect(header: [UInt8]) -> (format: PageFileFormat, pageSize: Int)? {
        if let size = sqlitePageSize(header) { return (.sqlite, size) }
        if let size = bboltPageSize(header) { return (.bbolt, size) }
        return nil
    }

    private static let sqliteMagic = Array("SQLite format 3\0".utf8)

    private static func sqlitePageSize(_ header: [UInt8]) -> Int? {
        guard header.count >= 18, header[0..<16].elementsEqual(sqliteMagic) else { return nil }
        let raw = Int(header[16]) << 8 | Int(header[17])
        // SQLite stores 65536 as 1 because it does not fit in two bytes.
        let size = raw == 1 ? 65536 : raw
        return isValidPageSize(size) ? size : nil
    }

    private static let bboltMagic: UInt32 = 0xED0C_DAED
    private static let bboltVersion: UInt32 = 2

    private static func bboltPageSize(_ header: [UInt8]) -> Int? {
        // Page header (16 bytes) then the meta struct: magic, version, page size.
        guard header.count >= 28,
            littleEndianUInt32(header, at: 16) == bboltMagic,
            littleEndianUInt32(header, at: 20) == bboltVersion
        else { return nil }
        let size = Int(littleEndianUInt32(header, at: 24))
        return isValidPageSize(size) ? size : nil
    }

    private static func littleEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    private static func isValidPageSize(_ size: Int) -> Bool {
        size >= 512 && size <= 65536 && size & (size - 1) == 0
    }
}
