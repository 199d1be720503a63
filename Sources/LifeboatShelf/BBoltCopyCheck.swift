import Foundation
import LifeboatCore

/// Checks a BBolt copy before the shelf renames it into place: a valid meta page (magic
/// `0xED0CDAED`, version 2, FNV-1a checksum) and as many pages as that meta's high-water
/// mark. A copy cut short or written from a torn read never replaces the previous one.
enum BBoltCopyCheck {
    /// Throws `.corrupted` naming what is wrong with the copy at `path`.
    static func verify(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LifeboatError(.io, "shelf: cannot read the BBolt copy \(path)")
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 64 * 1024)) ?? Data())
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        guard let first = meta(head, at: 0) ?? fallbackMeta(head) else {
            throw LifeboatError(.corrupted, "shelf: the copy \(path) has no valid BBolt meta page; the previous copy is kept")
        }
        let second = meta(head, at: first.pageSize)
        let chosen = [first, second].compactMap { $0 }.max { $0.txid < $1.txid } ?? first
        guard size >= chosen.highWater * chosen.pageSize else {
            throw LifeboatError(
                .corrupted,
                "shelf: the copy \(path) has \(size) bytes, less than the \(chosen.highWater) pages its meta names; the previous copy is kept"
            )
        }
    }

    private struct Meta {
        var pageSize: Int
        var highWater: Int
        var txid: UInt64
    }

    /// The meta page at `offset` when its magic, version and checksum hold.
    private static func meta(_ bytes: [UInt8], at offset: Int) -> Meta? {
        let start = offset + 16
        guard offset >= 0, bytes.count >= start + 64 else { return nil }
        func number(_ at: Int, _ width: Int) -> UInt64 {
            (0..<width).reversed().reduce(0) { $0 << 8 | UInt64(bytes[start + at + $1]) }
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes[start..<start + 56] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        guard number(0, 4) == 0xED0C_DAED, number(4, 4) == 2, number(56, 8) == hash else { return nil }
        return Meta(pageSize: Int(number(8, 4)), highWater: Int(clamping: number(40, 8)), txid: number(48, 8))
    }

    /// Meta 1 at the usual page sizes, for a copy whose meta 0 is damaged.
    private static func fallbackMeta(_ bytes: [UInt8]) -> Meta? {
        for size in [4096, 1024, 2048, 8192, 16384, 32768] {
            if let meta = meta(bytes, at: size), meta.pageSize == size { return meta }
        }
        return nil
    }
}

extension ShelfStore {
    /// A BBolt store, which only the node that owns it can copy consistently: `writeTo` writes
    /// the store's current image to the open `.db.work` file holding the node's write lock
    /// (bbolt's `Tx.WriteTo`), and the shelf checks the copy's meta before renaming it into place.
    ///
    /// ```swift
    /// ShelfStore.bbolt(module: "network", name: "data") { output in try store.copy(to: output) }
    /// ```
    public static func bbolt(module: String, name: String, writeTo: @escaping @Sendable (_ output: FileHandle) throws -> Void) -> ShelfStore
    {
        ShelfStore(module: module, name: name) { destination in
            guard let output = FileHandle(forWritingAtPath: destination) else {
                throw LifeboatError(.io, "shelf: cannot open \(destination) for writing")
            }
            do {
                try writeTo(output)
                try output.close()
            } catch {
                try? output.close()
                throw error
            }
            try BBoltCopyCheck.verify(destination)
        }
    }
}
