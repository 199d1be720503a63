import Foundation
import LifeboatStorage
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Page-cache-bypassing writes: padded to the alignment, truncated back by the caller,
/// refused at unaligned offsets. (The fallback for file systems without `O_DIRECT` has no
/// file system to run on here: tmpfs takes it too since Linux 6.6.)
@Suite struct DirectIOTests {
    @Test func writesPadTheLastBlockAndTruncateBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("file")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(DirectIO.enable(fd), "the test directory's file system (ext4 here) takes O_DIRECT")
        var generator = SystemRandomNumberGenerator()
        // Larger than one bounce buffer, and not a multiple of the alignment.
        let bytes = (0..<(3 << 20) + 1234).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let tail = Array(bytes[(2 << 20)...])
        #expect(bytes.withUnsafeBytes { DirectIO.write(fd, UnsafeRawBufferPointer(rebasing: $0[..<(2 << 20)]), at: 0) } == 0)
        #expect(tail.withUnsafeBytes { DirectIO.write(fd, $0, at: 2 << 20) } == 0)
        var info = stat()
        #expect(fstat(fd, &info) == 0)
        #expect(Int(info.st_size) % DirectIO.alignment == 0 && Int(info.st_size) > bytes.count)
        #expect(ftruncate(fd, off_t(bytes.count)) == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
        // An offset off the alignment is refused, not written.
        #expect(tail.withUnsafeBytes { DirectIO.write(fd, $0, at: 100) } == EINVAL)
    }
}
