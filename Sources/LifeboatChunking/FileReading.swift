import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Positional reads that retry on EINTR and short reads.
package enum FileReading {
    /// Reads until the buffer is full or the file ends; returns the bytes read.
    package static func preadFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: Int64, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let r = pread(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset) + off_t(done))
            if r < 0 {
                if errno == EINTR { continue }
                throw LifeboatError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if r == 0 { break }
            done += r
        }
        return done
    }

    /// Reads from the current position until the buffer is full or the input ends (pipes).
    package static func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let r = read(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done)
            if r < 0 {
                if errno == EINTR { continue }
                throw LifeboatError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if r == 0 { break }
            done += r
        }
        return done
    }
}
