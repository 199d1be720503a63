import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// `pipe(2)` with both ends close-on-exec (Glibc's `pipe2` is not exported to Swift).
public func makePipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}

/// A close-on-exec pipe, or an `.io` error naming why none could be made.
public func makePipe() throws -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    guard makePipe(&ends) else { throw LifeboatError(.io, "could not create a pipe: \(String(cString: strerror(errno)))") }
    return (ends[0], ends[1])
}
