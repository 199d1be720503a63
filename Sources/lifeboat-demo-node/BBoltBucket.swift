/// One BBolt bucket in memory: key/value pairs, nested buckets and the bucket's sequence.
///
/// A key names either a value or a nested bucket, never both (as in bbolt). Keys sort as
/// bytes (Go's `bytes.Compare`), the order they have on disk.
struct BBoltBucket: Sendable, Equatable {
    /// The sequence bbolt's `NextSequence` advances.
    var sequence: UInt64 = 0
    /// The key/value pairs.
    var values: [[UInt8]: [UInt8]] = [:]
    /// The nested buckets.
    var buckets: [[UInt8]: BBoltBucket] = [:]

    /// The nested bucket `name`, created when missing.
    subscript(bucket name: String) -> BBoltBucket {
        get { buckets[Array(name.utf8)] ?? BBoltBucket() }
        set { buckets[Array(name.utf8)] = newValue }
    }

    /// Every key of the bucket, values and nested buckets together, in byte order.
    var sortedKeys: [[UInt8]] {
        (Array(values.keys) + Array(buckets.keys)).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The values in key order.
    var sortedValues: [(key: [UInt8], value: [UInt8])] {
        values.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
    }

    /// Advances the sequence and returns the new value.
    mutating func nextSequence() -> UInt64 {
        sequence += 1
        return sequence
    }
}

/// The values of one demo-node record, each a u32 big-endian length and its bytes: how the
/// demo node packs a row (e.g. reference, type, payload) into one BBolt value.
enum BBoltRecord {
    /// Packs `fields`.
    static func encode(_ fields: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in fields {
            withUnsafeBytes(of: UInt32(field.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: field)
        }
        return bytes
    }

    /// Unpacks a record; nil when the lengths do not add up.
    static func decode(_ bytes: [UInt8]) -> [[UInt8]]? {
        var fields: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { return nil }
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard length <= bytes.count - offset else { return nil }
            fields.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        return fields
    }

    /// A u64 as 8 big-endian bytes: keys that sort as numbers.
    static func key(_ number: UInt64) -> [UInt8] {
        withUnsafeBytes(of: number.bigEndian) { Array($0) }
    }

    /// The number of an 8-byte big-endian key.
    static func number(_ key: [UInt8]) -> UInt64 {
        key.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
