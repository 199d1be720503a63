import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// Reads little-endian fields from a byte array, throwing `.corrupted` when it runs out.
struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, position + n <= bytes.count else { throw LifeboatError(.corrupted, "record truncated") }
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    mutating func u8() throws -> UInt8 {
        guard position < bytes.count else { throw LifeboatError(.corrupted, "record truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u32() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw LifeboatError(.corrupted, "record truncated") }
        defer { position += 4 }
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt32.self)) }
    }

    mutating func id() throws -> ObjectID {
        guard position + 32 <= bytes.count else { throw LifeboatError(.corrupted, "record truncated") }
        defer { position += 32 }
        return bytes.withUnsafeBytes { ObjectID(raw: UnsafeRawBufferPointer(rebasing: $0[position..<(position + 32)])) }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
