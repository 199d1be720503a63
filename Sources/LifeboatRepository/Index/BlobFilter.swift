/// A Bloom filter over index keys: "certainly not stored" for most new blobs without
/// touching the index runs on disk.
///
/// Ten bits per key and six probes give about 0.8 % false positives at capacity; a false
/// positive only costs a block read, never a wrong answer. A gigabyte of 4 KiB pages
/// costs about 330 KB.
struct BlobFilter: Sendable {
    private var words: [UInt64]
    private let bits: UInt64
    /// Keys the filter is sized for.
    let capacity: Int

    static let bitsPerKey = 10
    static let probes = 6

    init(capacity: Int) {
        self.capacity = Swift.max(1024, capacity)
        let wordCount = (self.capacity * Self.bitsPerKey + 63) / 64
        words = [UInt64](repeating: 0, count: wordCount)
        bits = UInt64(wordCount * 64)
    }

    /// Two independent hashes of a key (its bits are already uniform: the ids are keyed hashes).
    @inline(__always) private static func hashes(_ k0: UInt64, _ k1: UInt32) -> (UInt64, UInt64) {
        var z = k0 ^ (UInt64(k1) &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (k0, (z ^ (z >> 31)) | 1)
    }

    @inline(__always) private func position(_ h: UInt64) -> Int {
        Int(truncatingIfNeeded: h.multipliedFullWidth(by: bits).high)
    }

    mutating func insert(_ k0: UInt64, _ k1: UInt32) {
        let (h1, h2) = Self.hashes(k0, k1)
        var h = h1
        let bits = bits
        words.withUnsafeMutableBufferPointer { w in
            for _ in 0..<Self.probes {
                let p = Int(truncatingIfNeeded: h.multipliedFullWidth(by: bits).high)
                w[p >> 6] |= 1 << UInt64(p & 63)
                h = h &+ h2
            }
        }
    }

    func mayContain(_ k0: UInt64, _ k1: UInt32) -> Bool {
        let (h1, h2) = Self.hashes(k0, k1)
        var h = h1
        return words.withUnsafeBufferPointer { w in
            for _ in 0..<Self.probes {
                let p = position(h)
                if w[p >> 6] & (1 << UInt64(p & 63)) == 0 { return false }
                h = h &+ h2
            }
            return true
        }
    }
}
