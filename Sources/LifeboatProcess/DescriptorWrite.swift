import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// Whole writes to a file descriptor, retried on `EINTR`, with the error a person can act
/// on (`.noSpace` for a full device, naming the file).
public enum DescriptorWrite {
    /// The error for a failed write: `.noSpace` for a full device, else `.io`.
    public static func error(_ code: Int32, path: String) -> LifeboatError {
        LifeboatError(code == ENOSPC ? .noSpace : .io, "cannot write \(path): \(String(cString: strerror(code)))")
    }

    /// Writes all of `buf` at the current position (pipes, streams).
    public static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < buf.count {
            let n = write(fd, buf.baseAddress.map { $0 + done }, buf.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw error(errno, path: path)
            }
            done += n
        }
    }

    /// Writes all of `buf` at file offset `at`.
    public static func pwriteAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, at: Int64, path: String) throws {
        var done = 0
        while done < buf.count {
            let n = pwrite(fd, buf.baseAddress.map { $0 + done }, buf.count - done, off_t(at) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw error(errno, path: path)
            }
            done += n
        }
    }
}
