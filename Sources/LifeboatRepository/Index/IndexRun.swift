import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// One index key: 96 bits of a blob id (``ObjectID/w0`` and the high half of
/// ``ObjectID/w1``) and the number of the pack holding the blob.
struct IndexRecord: Sendable {
    var k0: UInt64
    var k1: UInt32
    var pack: UInt32

    /// Bytes of one record in a run file: `k0`, `k1`, `pack`, little-endian.
    static let size = 16

    @inline(__always) static func key1(_ id: ObjectID) -> UInt32 { UInt32(truncatingIfNeeded: id.w1 >> 32) }

    @inline(__always) func precedes(_ k0: UInt64, _ k1: UInt32) -> Bool {
        self.k0 < k0 || (self.k0 == k0 && self.k1 < k1)
    }

    @inline(__always) static func < (a: IndexRecord, b: IndexRecord) -> Bool { a.precedes(b.k0, b.k1) }
}

/// A sorted, immutable run of index records in an unlinked temporary file.
///
/// ``ChunkIndex`` keeps recent inserts in memory and moves them here when there are many,
/// so its memory stays the same whatever the size of the repository: per run it keeps
/// only the first key of every block of ``blockRecords`` records, and a lookup reads the
/// one block that can hold the key (2 KiB, from the page cache).
final class IndexRun: Sendable {
    /// Records per block: what a lookup reads.
    static let blockRecords = 128
    private static let blockBytes = blockRecords * IndexRecord.size

    private let fd: Int32
    /// The directory the run's file was made in (for messages).
    let directory: String
    /// Records in the run.
    let count: Int
    /// First key of each block.
    private let fences: [IndexRecord]

    private init(fd: Int32, directory: String, count: Int, fences: [IndexRecord]) {
        self.fd = fd
        self.directory = directory
        self.count = count
        self.fences = fences
    }

    deinit { close(fd) }

    /// Where run files go: `TMPDIR`, else `/tmp`.
    static var defaultDirectory: String {
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? ""
        return dir.isEmpty ? "/tmp" : dir
    }

    /// The pack number of the record with this key, if the run holds it.
    func pack(k0: UInt64, k1: UInt32) throws -> UInt32? {
        // The last block whose first key is not after the key.
        var lo = 0
        var hi = fences.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if fences[mid].precedes(k0, k1) || (fences[mid].k0 == k0 && fences[mid].k1 == k1) { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let block = lo - 1
        let n = Swift.min(Self.blockRecords, count - block * Self.blockRecords)
        return try withUnsafeTemporaryAllocation(of: IndexRecord.self, capacity: Self.blockRecords) { buffer in
            try readFully(UnsafeMutableRawBufferPointer(buffer), count: n * IndexRecord.size, at: block * Self.blockBytes)
            var a = 0
            var b = n
            while a < b {
                let mid = (a + b) / 2
                let r = buffer[mid]
                if r.k0 == k0 && r.k1 == k1 { return r.pack }
                if r.precedes(k0, k1) { a = mid + 1 } else { b = mid }
            }
            return nil
        }
    }

    private func readFully(_ buffer: UnsafeMutableRawBufferPointer, count: Int, at offset: Int) throws {
        guard let base = buffer.baseAddress, count > 0 else { return }
        var done = 0
        while done < count {
            let n = pread(fd, base + done, count - done, off_t(offset + done))
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw LifeboatError(
                    .io, "cannot read the index spill file in \(directory): \(n == 0 ? "unexpected end" : String(cString: strerror(errno)))"
                )
            }
        }
    }

    /// Reads the run from its start, in order.
    func reader() -> Reader { Reader(run: self) }

    /// A buffered reader of a run's records in order.
    struct Reader {
        let run: IndexRun
        private var buffer: [IndexRecord] = []
        private var position = 0
        private var next = 0

        init(run: IndexRun) { self.run = run }

        /// The next record, or nil at the end.
        mutating func pop() throws -> IndexRecord? {
            if position == buffer.count {
                guard next < run.count else { return nil }
                let n = Swift.min(4096, run.count - next)
                buffer = [IndexRecord](repeating: IndexRecord(k0: 0, k1: 0, pack: 0), count: n)
                try buffer.withUnsafeMutableBytes { try run.readFully($0, count: n * IndexRecord.size, at: next * IndexRecord.size) }
                next += n
                position = 0
            }
            defer { position += 1 }
            return buffer[position]
        }
    }

    /// Writes records in order into a new run.
    struct Writer {
        private let fd: Int32
        private let directory: String
        private var buffer: [IndexRecord] = []
        private var count = 0
        private var fences: [IndexRecord] = []
        private var last: IndexRecord?

        init(directory: String) throws {
            self.directory = directory
            var template = Array("\(directory)/lifeboat-index-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { $0.baseAddress.map { mkstemp($0) } ?? -1 }
            guard fd >= 0 else {
                throw LifeboatError(
                    .io,
                    "cannot create an index spill file in \(directory): \(String(cString: strerror(errno))) (set TMPDIR to a writable directory)"
                )
            }
            // Unlinked at once: the file goes away with the process, however it ends.
            template.withUnsafeBufferPointer { if let path = $0.baseAddress { _ = unlink(path) } }
            self.fd = fd
            buffer.reserveCapacity(4096)
        }

        /// Appends a record; records must come in increasing key order.
        mutating func append(_ r: IndexRecord) throws {
            precondition(last.map { $0 < r } ?? true, "index run records out of order")
            if count % IndexRun.blockRecords == 0 { fences.append(r) }
            last = r
            buffer.append(r)
            count += 1
            if buffer.count == 4096 { try drain() }
        }

        private mutating func drain() throws {
            let offset = (count - buffer.count) * IndexRecord.size
            try buffer.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                var done = 0
                while done < bytes.count {
                    let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + done))
                    if n > 0 {
                        done += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else {
                        let code: LifeboatError.Code = errno == ENOSPC ? .noSpace : .io
                        throw LifeboatError(
                            code, "cannot write the index spill file in \(directory): \(String(cString: strerror(errno)))")
                    }
                }
            }
            buffer.removeAll(keepingCapacity: true)
        }

        /// The finished run.
        mutating func finish() throws -> IndexRun {
            try drain()
            return IndexRun(fd: fd, directory: directory, count: count, fences: fences)
        }

        /// Gives up the run (its file goes with the descriptor).
        func abandon() { close(fd) }
    }

    /// One run holding every record of `runs`, in order (runs must not share keys).
    static func merge(_ runs: [IndexRun], directory: String) throws -> IndexRun {
        var readers = runs.map { $0.reader() }
        var writer = try Writer(directory: directory)
        do {
            var heads = try readers.indices.map { try readers[$0].pop() }
            while true {
                var best: (index: Int, record: IndexRecord)?
                for i in heads.indices {
                    guard let h = heads[i] else { continue }
                    if let b = best, !(h < b.record) { continue }
                    best = (i, h)
                }
                guard let (b, record) = best else { break }
                try writer.append(record)
                heads[b] = try readers[b].pop()
            }
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }
}
