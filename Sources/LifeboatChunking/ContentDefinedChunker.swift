import LifeboatCore

/// Splits a byte stream into chunks whose boundaries depend on the content (FastCDC).
///
/// A gear rolling hash over the last 64 bytes decides where a chunk ends, so inserting
/// or deleting bytes only changes the chunks around the edit; the chunks after it
/// line up again and deduplicate. Normalized chunking (a stricter mask before the
/// average size, a looser one after it) keeps most chunks close to the average.
///
/// The chunker holds no input: feed it a window that starts at the current chunk's
/// first byte and it tells where that chunk ends.
///
/// ```swift
/// let chunker = ContentDefinedChunker()
/// try chunker.forEachChunk(read: { try file.read(into: $0) }) { chunk in store(chunk) }
/// ```
public struct ContentDefinedChunker: Sendable {
    /// The smallest chunk, except for the last chunk of a stream.
    public let minSize: Int
    /// The size chunks cluster around.
    public let averageSize: Int
    /// The largest chunk; a chunk is cut here when no boundary appears before.
    public let maxSize: Int

    /// Used below the average size: more bits, so boundaries are rarer.
    private let strictMask: UInt64
    /// Used from the average size on: fewer bits, so boundaries come sooner.
    private let looseMask: UInt64

    /// A chunker with 64 KiB minimum, 256 KiB average and 1 MiB maximum chunks.
    public init() {
        self.init(validatedMin: 64 << 10, average: 256 << 10, max: 1 << 20)
    }

    /// A chunker with the given sizes; they must satisfy 64 ≤ min < average < max ≤ 1 GiB.
    public init(minSize: Int, averageSize: Int, maxSize: Int) throws {
        guard minSize >= 64, minSize < averageSize, averageSize < maxSize, maxSize <= 1 << 30 else {
            throw LifeboatError(
                .invalidArgument,
                "chunk sizes min \(minSize), average \(averageSize), max \(maxSize) must satisfy 64 ≤ min < average < max ≤ 1 GiB")
        }
        self.init(validatedMin: minSize, average: averageSize, max: maxSize)
    }

    private init(validatedMin: Int, average: Int, max: Int) {
        minSize = validatedMin
        averageSize = average
        maxSize = max
        // The mask bits sit at the top of the hash because, with a left-shifting gear
        // hash, only the high bits depend on the whole 64-byte window.
        let bits = Self.log2Rounded(average)
        strictMask = Self.topBits(Swift.min(bits + 2, 63))
        looseMask = Self.topBits(Swift.max(bits - 2, 1))
    }

    private static func log2Rounded(_ value: Int) -> Int {
        var bits = 0
        while (1 << (bits + 1)) <= value { bits += 1 }
        // Round to the nearer power of two so an average of 3 << 17 maps to 2^18, not 2^17.
        let low = 1 << bits
        return value - low >= (low << 1) - value ? bits + 1 : bits
    }

    private static func topBits(_ count: Int) -> UInt64 {
        ~UInt64(0) << UInt64(64 - count)
    }

    /// The length of the chunk that starts at `buffer`'s first byte, or nil when more input is needed.
    ///
    /// Pass at least ``maxSize`` bytes unless the input ends within the buffer
    /// (`atEndOfInput`); a shorter window is scanned but may yield nil, and the next
    /// call rescans it. At the end of input the rest is one chunk; an empty buffer there yields nil.
    public func nextBoundary(in buffer: UnsafeRawBufferPointer, atEndOfInput: Bool) -> Int? {
        let available = buffer.count
        guard available > 0 else { return nil }
        if available <= minSize { return atEndOfInput ? available : nil }
        let end = Swift.min(available, maxSize)
        if let cut = scan(buffer, end: end) { return cut }
        return end == maxSize || atEndOfInput ? end : nil
    }

    private func scan(_ buffer: UnsafeRawBufferPointer, end: Int) -> Int? {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let normal = Swift.min(averageSize, end)
        let strict = strictMask
        let loose = looseMask
        return Self.gearTable.withUnsafeBufferPointer { table -> Int? in
            guard let gear = table.baseAddress else { return nil }
            var hash: UInt64 = 0
            var i = minSize
            while i < normal {
                hash = (hash &<< 1) &+ gear[Int(base[i])]
                if hash & strict == 0 { return i + 1 }
                i += 1
            }
            while i < end {
                hash = (hash &<< 1) &+ gear[Int(base[i])]
                if hash & loose == 0 { return i + 1 }
                i += 1
            }
            return nil
        }
    }

    /// Cuts a whole in-memory input and returns the chunk lengths, in order.
    public func chunkLengths(of bytes: UnsafeRawBufferPointer) -> [Int] {
        var lengths: [Int] = []
        var start = 0
        while start < bytes.count {
            let window = UnsafeRawBufferPointer(rebasing: bytes[start...])
            guard let length = nextBoundary(in: window, atEndOfInput: true) else { break }
            lengths.append(length)
            start += length
        }
        return lengths
    }

    /// Reads a stream through `read` and hands each chunk to `body`, holding at most 2 × ``maxSize`` bytes.
    ///
    /// `read` fills a prefix of the buffer it is given and returns how many bytes it
    /// wrote, 0 at end of input. The chunk passed to `body` is valid only during the call.
    public func forEachChunk(
        read: (UnsafeMutableRawBufferPointer) throws -> Int,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let capacity = 2 * maxSize
        var storage = [UInt8](repeating: 0, count: capacity)
        var start = 0
        var filled = 0
        var atEnd = false
        try storage.withUnsafeMutableBytes { buffer in
            while true {
                if !atEnd && filled - start < maxSize {
                    if start > 0 {
                        let pending = filled - start
                        if pending > 0, let base = buffer.baseAddress {
                            base.copyMemory(from: base + start, byteCount: pending)
                        }
                        start = 0
                        filled = pending
                    }
                    while filled < capacity {
                        let n = try read(UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                        guard n > 0 else {
                            atEnd = true
                            break
                        }
                        guard n <= capacity - filled else {
                            throw LifeboatError(
                                .internalError, "chunker read callback returned \(n) bytes for a \(capacity - filled)-byte buffer")
                        }
                        filled += n
                    }
                }
                let window = UnsafeRawBufferPointer(rebasing: buffer[start..<filled])
                guard let length = nextBoundary(in: window, atEndOfInput: atEnd) else { return }
                try body(UnsafeRawBufferPointer(rebasing: window[..<length]))
                start += length
            }
        }
    }

    /// 256 pseudo-random words, fixed forever: changing them would change every chunk id.
    static let gearTable: [UInt64] = {
        // SplitMix64 from a fixed seed: deterministic, well mixed, and short enough to audit.
        var state: UInt64 = 0x4C49_4645_424F_4154  // "LIFEBOAT"
        var table = [UInt64]()
        table.reserveCapacity(256)
        for _ in 0..<256 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            table.append(z ^ (z >> 31))
        }
        return table
    }()
}
