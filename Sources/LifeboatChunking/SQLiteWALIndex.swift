import LifeboatCore

/// Where the committed pages of an SQLite write-ahead log are, as of its last valid commit frame.
///
/// Terms (from SQLite's file format): the WAL is a 32-byte header followed by frames of a
/// 24-byte frame header plus one page. A frame counts only when its salts equal the header's
/// and the running checksum (header, then every frame in order) matches; the first frame
/// that fails ends the log, as in SQLite's own recovery. A *commit frame* has a non-zero
/// database size and ends a transaction; frames after the last commit frame are ignored.
struct SQLiteWALIndex {
    static let headerSize = 32
    static let frameHeaderSize = 24
    private static let magicLittleEndian: UInt32 = 0x377F_0682
    private static let magicBigEndian: UInt32 = 0x377F_0683
    private static let supportedVersion: UInt32 = 3_007_000

    /// The page size recorded in the WAL header.
    let pageSize: Int
    /// The header's salt-1 and salt-2, as raw bytes loaded into one word; every live frame repeats them.
    let salts: UInt64
    /// Page number (1-based) → index (1-based) of its newest frame up to ``lastCommitFrame``.
    let frames: [UInt32: UInt32]
    /// The index (1-based) of the last commit frame in the snapshot.
    let lastCommitFrame: UInt32
    /// The database size in pages recorded by that commit frame.
    let databasePageCount: Int

    /// Bytes from the start of one frame to the next.
    var frameStride: Int { Self.frameHeaderSize + pageSize }

    /// The byte offset of frame `index` (1-based) in the WAL file.
    func offset(ofFrame index: UInt32) -> Int {
        Self.headerSize + (Int(index) - 1) * frameStride
    }

    /// The raw salt bytes of the WAL header, for comparison with the WAL-index header.
    var saltBytes: [UInt8] { withUnsafeBytes(of: salts) { Array($0) } }

    /// Parses `wal` up to its last valid commit frame, or up to frame `frameLimit` when given.
    ///
    /// Returns nil when the WAL holds no valid header or no valid commit frame
    /// (at or before `frameLimit`); the database file alone is then the snapshot.
    /// The frame at `frameLimit` must be a valid commit frame, or this throws, because
    /// SQLite's index and the file would then disagree about what is committed.
    static func parse(
        _ wal: SQLiteVFSFile, pageSize expectedPageSize: Int, frameLimit: UInt32?
    ) throws
        -> SQLiteWALIndex?
    {
        var header = [UInt8](repeating: 0, count: headerSize)
        guard try header.withUnsafeMutableBytes({ try wal.read(into: $0, at: 0) }) else { return nil }
        let magic = bigEndianUInt32(header, 0)
        guard magic == magicLittleEndian || magic == magicBigEndian,
            bigEndianUInt32(header, 4) == supportedVersion,
            Int(bigEndianUInt32(header, 8)) == expectedPageSize
        else { return nil }
        let bigEndianWords = magic & 1 == 1
        var sum = Checksum()
        header.withUnsafeBytes { sum.add(UnsafeRawBufferPointer(rebasing: $0[0..<24]), bigEndianWords: bigEndianWords) }
        guard sum.s1 == bigEndianUInt32(header, 24), sum.s2 == bigEndianUInt32(header, 28) else { return nil }
        let salts = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self) }

        let stride = frameHeaderSize + expectedPageSize
        let framesPerRead = max(1, (1 << 20) / stride)
        var buffer = [UInt8](repeating: 0, count: framesPerRead * stride)
        var frames: [UInt32: UInt32] = [:]
        var pending: [(page: UInt32, frame: UInt32)] = []
        var lastCommit: UInt32 = 0
        var pageCount = 0
        var frameIndex: UInt32 = 0
        let walSize = try wal.size()
        var offset = headerSize
        scanning: while offset + stride <= walSize {
            let wanted = min(framesPerRead, (walSize - offset) / stride) * stride
            let complete = try buffer.withUnsafeMutableBytes {
                try wal.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted]), at: offset)
            }
            // A shorter file than reported means a concurrent truncation; stop at what was read.
            let usable = complete ? wanted : 0
            var position = 0
            while position + stride <= usable {
                frameIndex += 1
                let valid = buffer.withUnsafeBytes { raw -> (page: UInt32, commitSize: UInt32)? in
                    let frame = UnsafeRawBufferPointer(rebasing: raw[position..<(position + stride)])
                    let page = UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
                    let commitSize = UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                    guard page != 0, frame.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == salts else { return nil }
                    var next = sum
                    next.add(UnsafeRawBufferPointer(rebasing: frame[0..<8]), bigEndianWords: bigEndianWords)
                    next.add(UnsafeRawBufferPointer(rebasing: frame[frameHeaderSize...]), bigEndianWords: bigEndianWords)
                    guard next.s1 == UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: 16, as: UInt32.self)),
                        next.s2 == UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
                    else { return nil }
                    sum = next
                    return (page, commitSize)
                }
                guard let valid else { break scanning }
                pending.append((valid.page, frameIndex))
                if valid.commitSize != 0 {
                    for entry in pending { frames[entry.page] = entry.frame }
                    pending.removeAll(keepingCapacity: true)
                    lastCommit = frameIndex
                    pageCount = Int(valid.commitSize)
                }
                if let frameLimit, frameIndex >= frameLimit { break scanning }
                position += stride
            }
            if usable < wanted { break }
            offset += wanted
        }
        if let frameLimit, frameLimit != lastCommit {
            throw LifeboatError(
                .corrupted,
                "\(wal.name): SQLite's WAL index says the last commit is frame \(frameLimit), but the valid frames of the WAL file end with a commit at frame \(lastCommit)"
            )
        }
        guard lastCommit > 0 else { return nil }
        return SQLiteWALIndex(
            pageSize: expectedPageSize, salts: salts, frames: frames, lastCommitFrame: lastCommit,
            databasePageCount: pageCount)
    }

    private static func bigEndianUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    /// SQLite's WAL checksum: two running 32-bit sums over pairs of words.
    struct Checksum {
        var s1: UInt32 = 0
        var s2: UInt32 = 0

        /// Continues the sums over `bytes` (a multiple of 8 long), reading words in the WAL's byte order.
        mutating func add(_ bytes: UnsafeRawBufferPointer, bigEndianWords: Bool) {
            var a = s1
            var b = s2
            var i = 0
            let end = bytes.count & ~7
            if bigEndianWords {
                while i < end {
                    a = a &+ UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) &+ b
                    b = b &+ UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self)) &+ a
                    i += 8
                }
            } else {
                while i < end {
                    a = a &+ UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) &+ b
                    b = b &+ UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self)) &+ a
                    i += 8
                }
            }
            s1 = a
            s2 = b
        }
    }
}
