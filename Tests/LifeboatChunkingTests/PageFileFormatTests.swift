import Foundation
import LifeboatChunking
import LifeboatTestSupport
import Testing

@Suite struct PageFileFormatTests {
    @Test(arguments: [1024, 4096, 65536])
    func detectsRealSQLiteDatabases(pageSize: Int) throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("db.sqlite")
        do {
            let db = try TestDatabase(path: path)
            try db.execute("PRAGMA page_size = \(pageSize); CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        }
        let handle = try #require(FileHandle(forReadingAtPath: path))
        let header = try #require(try handle.read(upToCount: PageFileFormat.headerLength))
        try handle.close()
        let detected = try #require(PageFileFormat.detect(header: [UInt8](header)))
        #expect(detected.format == .sqlite)
        #expect(detected.pageSize == pageSize)
        #expect(SQLiteSnapshotReader.isSQLite(path: path))
    }

    @Test(arguments: [512, 4096, 16384, 65536])
    func detectsBBoltMetaPages(pageSize: Int) throws {
        let detected = try #require(PageFileFormat.detect(header: Self.bboltHeader(pageSize: UInt32(pageSize))))
        #expect(detected.format == .bbolt)
        #expect(detected.pageSize == pageSize)
    }

    @Test func rejectsBBoltWithWrongVersionOrPageSize() {
        #expect(PageFileFormat.detect(header: Self.bboltHeader(pageSize: 4096, version: 1)) == nil)
        #expect(PageFileFormat.detect(header: Self.bboltHeader(pageSize: 4095)) == nil)
        #expect(PageFileFormat.detect(header: Self.bboltHeader(pageSize: 256)) == nil)
        #expect(PageFileFormat.detect(header: Self.bboltHeader(pageSize: 131072)) == nil)
    }

    @Test func rejectsSQLiteHeadersWithInvalidPageSizes() {
        var header = Array("SQLite format 3\0".utf8) + [0x10, 0x00] + [UInt8](repeating: 0, count: 82)
        #expect(PageFileFormat.detect(header: header)?.pageSize == 4096)
        header[16] = 0x00
        header[17] = 0x01  // 1 stands for 65536
        #expect(PageFileFormat.detect(header: header)?.pageSize == 65536)
        header[16] = 0x03
        header[17] = 0x00  // 768: not a power of two
        #expect(PageFileFormat.detect(header: header) == nil)
        header[16] = 0x01
        header[17] = 0x00  // 256: too small
        #expect(PageFileFormat.detect(header: header) == nil)
    }

    @Test func rejectsGarbageAndTruncatedHeaders() throws {
        var generator = SplitMix64(seed: 7)
        #expect(PageFileFormat.detect(header: generator.bytes(100)) == nil)
        #expect(PageFileFormat.detect(header: []) == nil)
        #expect(PageFileFormat.detect(header: Array("SQLite format 3\0".utf8)) == nil)
        #expect(PageFileFormat.detect(header: Array("SQLite format 3\0".utf8) + [0x10]) == nil)
        #expect(PageFileFormat.detect(header: Array(Self.bboltHeader(pageSize: 4096).prefix(27))) == nil)
        #expect(PageFileFormat.detect(header: Array("SQLite format 2\0".utf8) + [0x10, 0x00]) == nil)

        let dir = try TemporaryDirectory()
        let path = dir.path("text")
        try Data("hello, not a database".utf8).write(to: URL(fileURLWithPath: path))
        #expect(!SQLiteSnapshotReader.isSQLite(path: path))
        #expect(!SQLiteSnapshotReader.isSQLite(path: dir.path("missing")))
    }

    /// A BBolt meta page as bbolt writes it: page header, then magic, version and page size (little-endian).
    static func bboltHeader(pageSize: UInt32, version: UInt32 = 2) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes[8] = 0x04  // flags: meta page
        for word in [UInt32(0xED0C_DAED), version, pageSize, 0] {
            withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes + [UInt8](repeating: 0xAB, count: 64)
    }
}

/// The shared deterministic generator, under the name these tests use.
typealias SplitMix64 = SeededGenerator
