import Foundation
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatShelf

/// A BBolt store on the shelf: the node writes the copy itself (`ShelfStore.bbolt`); the
/// shelf renames it into place only when its meta page is valid and the file holds every
/// page that meta names, so a garbled or cut-short copy never replaces the last good one.
@Suite struct BBoltShelfTests {
    @Test func onlyACompleteBBoltCopyReplacesTheLastOne() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-shelf-bbolt")
        defer { dir.remove() }
        let next = LockedBytes()
        let shelf = try Shelf(
            directory: dir.appending("shelf"), interval: "1h",
            stores: [.bbolt(module: "vdr", name: "didstore") { output in try output.write(contentsOf: Data(next.value)) }])
        let copy = dir.appending("shelf/vdr/didstore.db")

        next.value = Self.emptyBBolt(txid: 7)
        let first = try await shelf.backupNow()
        #expect(first.map(\.bytes) == [16_384])
        #expect(try BBoltProbe.check(copy).txid == 7)

        for (bad, reason) in [
            (Array(Self.emptyBBolt(txid: 9).prefix(3 * 4096)), "less than the 4 pages"),
            (Array("not a bbolt file".utf8) + [UInt8](repeating: 0, count: 8192), "no valid BBolt meta page"),
        ] {
            next.value = bad
            let error = try await #require(throws: LifeboatError.self) { try await shelf.backupNow() }
            #expect(error.message.contains(reason), "\(error.message)")
            #expect(try BBoltProbe.check(copy).txid == 7, "the last good copy stays")
            #expect(!FileManager.default.fileExists(atPath: copy + ".work"))
        }
        next.value = Self.emptyBBolt(txid: 8)
        try await shelf.backupNow()
        #expect(try BBoltProbe.check(copy).txid == 8)
        #expect(try BBoltProbe.check(copy + ".previous").txid == 7)
    }

    /// An empty BBolt file as bbolt's `init` lays it out: metas at pages 0 and 1, the
    /// freelist at 2, the root bucket's empty leaf at 3, high-water mark 4.
    static func emptyBBolt(txid: UInt64) -> [UInt8] {
        var file = [UInt8](repeating: 0, count: 4 * 4096)
        func put(_ value: UInt64, _ width: Int, at offset: Int) {
            for index in 0..<width { file[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }
        for page in 0..<2 {
            let at = page * 4096
            put(UInt64(page), 8, at: at)
            put(0x04, 2, at: at + 8)
            let fields: [(UInt64, Int)] = [
                (0xED0C_DAED, 4), (2, 4), (4096, 4), (0, 4), (3, 8), (0, 8), (2, 8), (4, 8), (txid - 1 + UInt64(page), 8),
            ]
            var offset = at + 16
            for (value, width) in fields {
                put(value, width, at: offset)
                offset += width
            }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in file[(at + 16)..<(at + 72)] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            put(hash, 8, at: at + 72)
        }
        put(2, 8, at: 2 * 4096)
        put(0x10, 2, at: 2 * 4096 + 8)
        put(3, 8, at: 3 * 4096)
        put(0x02, 2, at: 3 * 4096 + 8)
        return file
    }
}

/// Bytes shared with a writer closure.
final class LockedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [UInt8] = []
    var value: [UInt8] {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
