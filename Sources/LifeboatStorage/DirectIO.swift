import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes that bypass the page cache (`O_DIRECT`), for data written once and not read
/// back soon: a backup's packs and a restore's files.
///
/// Through the page cache such writes evict the node's own hot database pages, and on
/// virtual machines whose host backs guest memory lazily (Firecracker with free page
/// reporting, as on our CI machines) every new page-cache page also costs a fault on the
/// host: writing 1 GiB took 3.2 s buffered against 0.6 s direct there. Where the file
/// system refuses `O_DIRECT` (tmpfs before Linux 6.6), callers write through the page cache.
public enum DirectIO {
    /// Offsets, lengths and buffers of direct writes are multiples of this.
    public static let alignment = 4096
    /// Size of the aligned bounce buffers data is copied through.
    static let bounceSize = 1 << 20

    #if arch(x86_64)
        static let directFlag: Int32 = 0o40000
    #else
        static let directFlag: Int32 = 0o200000
    #endif

    /// Aligned bounce buffers, reused so that no write touches fresh memory.
    private struct Buffers: @unchecked Sendable {
        // Safe because each pointer is handed to one writer at a time through the mutex.
        var free: [UnsafeMutableRawPointer] = []
    }
    private static let pool = Mutex(Buffers())

    /// Turns on `O_DIRECT` for an open descriptor; false when the file system does not support it.
    public static func enable(_ descriptor: Int32) -> Bool {
        let flags = fcntl(descriptor, F_GETFL)
        return flags >= 0 && fcntl(descriptor, F_SETFL, flags | directFlag) == 0
    }

    /// Writes `bytes` at `offset`, a multiple of ``alignment``, on a descriptor with
    /// `O_DIRECT`. The last piece is padded with zeros up to the alignment, so the caller
    /// truncates the file to its true size afterwards. Returns 0, or the errno of the failure.
    public static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Int32 {
        guard offset % Int64(alignment) == 0 else { return EINVAL }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        let buffer = take()
        defer { give(buffer) }
        var done = 0
        while done < bytes.count {
            let n = Swift.min(bounceSize, bytes.count - done)
            buffer.copyMemory(from: base + done, byteCount: n)
            let padded = (n + alignment - 1) / alignment * alignment
            if padded > n { (buffer + n).initializeMemory(as: UInt8.self, repeating: 0, count: padded - n) }
            var written = 0
            while written < padded {
                let r = pwrite(descriptor, buffer + written, padded - written, off_t(offset) + off_t(done + written))
                if r < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                // A regular file only writes nothing when the device is full.
                if r == 0 { return ENOSPC }
                written += r
            }
            done += n
        }
        return 0
    }

    /// Writes `length` bytes of an aligned buffer from the pool (``take()``) at `offset`,
    /// a multiple of ``alignment``, padding the end with zeros up to the alignment.
    /// Returns 0, or the errno of the failure.
    static func writeAligned(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, length: Int, at offset: Int64) -> Int32 {
        guard offset % Int64(alignment) == 0, length <= bounceSize else { return EINVAL }
        let padded = (length + alignment - 1) / alignment * alignment
        if padded > length { (buffer + length).initializeMemory(as: UInt8.self, repeating: 0, count: padded - length) }
        return writePlain(descriptor, buffer, length: padded, at: offset)
    }

    /// Writes `length` bytes at `offset` with `pwrite`, retrying short writes. Returns 0,
    /// or the errno of the failure.
    static func writePlain(_ descriptor: Int32, _ buffer: UnsafeRawPointer, length: Int, at offset: Int64) -> Int32 {
        var written = 0
        while written < length {
            let r = pwrite(descriptor, buffer + written, length - written, off_t(offset) + off_t(written))
            if r < 0 {
                if errno == EINTR { continue }
                return errno
            }
            // A regular file only writes nothing when the device is full.
            if r == 0 { return ENOSPC }
            written += r
        }
        return 0
    }

    static func take() -> UnsafeMutableRawPointer {
        if let buffer = pool.withLock({ $0.free.popLast() }) { return buffer }
        return UnsafeMutableRawPointer.allocate(byteCount: bounceSize, alignment: alignment)
    }

    static func give(_ buffer: UnsafeMutableRawPointer) {
        pool.withLock { $0.free.append(buffer) }
    }
}
