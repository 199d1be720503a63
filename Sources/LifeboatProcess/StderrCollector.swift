import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a child's stderr on its own thread, keeping the last `limit` bytes.
// Unchecked: the semaphore is only signalled once and waited on with a timeout.
final class StderrCollector: @unchecked Sendable {
    private let state = Mutex<(bytes: [UInt8], done: Bool)>(([], false))
    private let finished = DispatchSemaphore(value: 0)

    init(fd: Int32, limit: Int) {
        Thread.detachNewThread { [self] in collect(fd: fd, limit: limit) }
    }

    private func collect(fd: Int32, limit: Int) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            state.withLock { s in
                s.bytes.append(contentsOf: buffer[0..<n])
                if s.bytes.count > limit { s.bytes.removeFirst(s.bytes.count - limit) }
            }
        }
        close(fd)
        state.withLock { $0.done = true }
        finished.signal()
    }

    /// Blocks until the child closed stderr (it has exited, or handed stderr on).
    func waitForEnd() {
        if state.withLock({ $0.done }) { return }
        // A grandchild holding stderr open must not hang us: give up after a few seconds.
        if finished.wait(timeout: .now() + 5) == .success { finished.signal() }
    }

    func bytes() -> [UInt8] { state.withLock { $0.bytes } }
}
