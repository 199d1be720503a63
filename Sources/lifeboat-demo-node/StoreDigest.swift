import Crypto
import Foundation

/// Row count and SHA-256 of one table's content, in primary-key order: what a restore must reproduce.
struct StoreDigest: Sendable, Equatable {
    /// Number of rows.
    var rows: Int
    /// Lowercase hex SHA-256 over every value of every row.
    var sha256: String

    /// Digests rows as SQLite returns them (`SELECT * … ORDER BY` the primary key); the BBolt
    /// form hands over the same rows, so equal content hashes alike in either format.
    init(rows: [[SQLiteValue]]) {
        var hasher = SHA256()
        for row in rows {
            for value in row {
                // Tag and length first, so no two different rows can hash alike.
                let (tag, bytes): (UInt8, [UInt8]) =
                    switch value {
                    case .integer(let number): (1, withUnsafeBytes(of: number.bigEndian) { Array($0) })
                    case .text(let text): (2, Array(text.utf8))
                    case .blob(let blob): (3, blob)
                    case .null: (4, [])
                    }
                hasher.update(data: [tag])
                hasher.update(data: withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { Array($0) })
                hasher.update(data: bytes)
            }
        }
        self.rows = rows.count
        sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Digests rows printed as text (psql's output, in the table's order), each value tagged
    /// and length-prefixed like a text value of the SQLite form.
    init(rows: [[String]]) {
        var hasher = SHA256()
        for row in rows {
            for value in row {
                let bytes = Array(value.utf8)
                hasher.update(data: [2])
                hasher.update(data: withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { Array($0) })
                hasher.update(data: bytes)
            }
        }
        self.rows = rows.count
        sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of a file's bytes, or of nothing when it is missing.
    static func file(_ path: String) -> String {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// One hash over named hashes, in name order.
    static func combine(_ parts: [String: String]) -> String {
        let text = parts.keys.sorted().map { "\($0)\u{0}\(parts[$0] ?? "")\n" }.joined()
        return SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
