import Foundation
import LifeboatConfig
import LifeboatCore

/// Finds stores listed with a type that cannot capture them consistently: a BBolt file
/// (Nuts 5's `network/data.db`, `vcr/*.db`, `vdr/didstore.db`) as a `sqlite` or `file`
/// store. BBolt allows one process only and has no online backup API, so a page copy taken
/// while the node writes is not consistent; the node's shelf is the way to back it up.
public enum StoreFormatCheck {
    /// BBolt's meta page magic (`0xED0CDAED`, little endian), after the 16-byte page header.
    static let bboltMagic: [UInt8] = [0xED, 0xDA, 0x0C, 0xED]

    /// Whether the file at `path` starts with a BBolt meta page (format version 2).
    public static func isBBolt(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 24), head.count == 24 else { return false }
        let bytes = [UInt8](head)
        return Array(bytes[16..<20]) == bboltMagic && bytes[20] == 2 && bytes[21] == 0 && bytes[22] == 0 && bytes[23] == 0
    }

    /// One line per `sqlite` or `file` store of `node` whose file is BBolt, naming the store
    /// and pointing to the shelf.
    public static func problems(_ node: NodeConfiguration) -> [String] {
        var out: [String] = []
        for store in node.stores {
            switch store {
            case .sqlite(let path), .file(let path):
                let resolved = node.resolvedPath(path)
                guard isBBolt(resolved) else { continue }
                out.append(
                    "node \(node.name): store \(path) (type \(store.typeName)) is a BBolt file, which only the node itself can copy consistently while it runs; back it up through the node's shelf instead: set storage.bbolt.backup.directory and storage.bbolt.backup.interval on the node and list {type: shelf, directory: <that directory>}"
                )
            default:
                continue
            }
        }
        return out
    }

    /// ``problems(_:)`` for every node.
    public static func problems(_ configuration: LifeboatConfiguration) -> [String] {
        configuration.nodes.flatMap(problems)
    }
}
