import Foundation
import LifeboatCore
import LifeboatProcess
import LifeboatRepository
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Streams an RDB snapshot of a running Redis server, taken over the replication
/// protocol (`redis-cli --rdb -`): the server forks and sends a point-in-time image
/// while it keeps serving, and nothing is written on the server's disk.
///
/// When the server sends the RDB without a length up front (diskless, always for
/// `rdb-only` requests), `redis-cli` copies its 40-byte end marker to stdout as well,
/// since it cannot truncate a pipe. A relay thread holds back the last 40 bytes and
/// drops them when redis-cli's own count ("Transfer finished with success after N
/// bytes") says they are not part of the RDB, so the stored file is the exact RDB.
struct RDBProducer: StreamProducer {
    let connection: RedisConnection

    func start() async throws -> any ProducedStream {
        let child = try ChildProcess(try connection.command(["--rdb", "-"]))
        var fds: [Int32] = [-1, -1]
        guard makePipe(&fds) else {
            child.kill()
            _ = await child.wait()
            throw LifeboatError(.io, "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let relay = RDBRelay(child: child, output: fds[1])
        relay.start()
        return RDBStream(child: child, relay: relay, fd: fds[0], connection: connection)
    }
}

/// Copies redis-cli's stdout to the archiver's pipe, trimming the end marker.
// Unchecked: `done` is signalled once by the relay thread; every waiter passes the signal on.
final class RDBRelay: @unchecked Sendable {
    static let markerLength = 40
    let child: ChildProcess
    let output: Int32
    /// Whether the relayed bytes are exactly the RDB redis-cli reported.
    let outcome = Mutex<String?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(child: ChildProcess, output: Int32) {
        self.child = child
        self.output = output
    }

    func start() {
        Thread.detachNewThread { [self] in
            relay()
            close(output)
            done.signal()
        }
    }

    /// Waits for the relay to end (it ends when redis-cli closes stdout).
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                done.wait()
                done.signal()
                c.resume()
            }
        }
    }

    private func relay() {
        let input = child.stdout
        defer { child.closeStdout() }
        var held: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += n
            held += buffer[0..<n]
            if held.count > Self.markerLength {
                let ready = held.count - Self.markerLength
                guard Self.writeAll(output, held[0..<ready]) else {
                    outcome.withLock { $0 = "the backup stopped reading the RDB" }
                    return
                }
                held.removeFirst(ready)
            }
        }
        child.waitForStderrEnd()
        let stderr = child.stderrText()
        guard let reported = Self.reportedLength(stderr) else {
            outcome.withLock { $0 = "redis-cli did not report a finished transfer" }
            return
        }
        if total == reported + Self.markerLength {
            outcome.withLock { $0 = nil }
        } else if total == reported {
            _ = Self.writeAll(output, held[...])
            outcome.withLock { $0 = nil }
        } else {
            outcome.withLock { $0 = "redis-cli reported \(reported) bytes but wrote \(total)" }
        }
    }

    /// Writes all of `bytes`; false when the reader has gone.
    private static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = write(fd, buf.baseAddress.map { $0 + done }, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                done += n
            }
            return true
        }
    }

    /// N from "Transfer finished with success after N bytes".
    static func reportedLength(_ stderr: String) -> Int? {
        guard let range = stderr.range(of: "Transfer finished with success after ") else { return nil }
        return Int(stderr[range.upperBound...].prefix { $0.isNumber })
    }
}

/// The archiver's end of an RDB transfer.
final class RDBStream: ProducedStream {
    let child: ChildProcess
    let relay: RDBRelay
    let fd: Int32
    let connection: RedisConnection
    private let closed = Mutex(false)

    init(child: ChildProcess, relay: RDBRelay, fd: Int32, connection: RedisConnection) {
        self.child = child
        self.relay = relay
        self.fd = fd
        self.connection = connection
    }

    private func closeOnce() {
        if closed.withLock({ c in
            defer { c = true }
            return !c
        }) {
            close(fd)
        }
    }

    func finish() async throws {
        defer { closeOnce() }
        await relay.wait()
        let status = await child.wait()
        if let problem = connection.classify(child.stderrText()) { throw problem }
        if let failure = ChildProcess.describe(status: status) {
            throw LifeboatError(
                .io, "taking an RDB snapshot of Redis at \(connection.address) failed: redis-cli \(failure): \(child.stderrSummary())")
        }
        if let problem = relay.outcome.withLock({ $0 }) {
            throw LifeboatError(.io, "taking an RDB snapshot of Redis at \(connection.address) failed: \(problem)")
        }
    }

    func cancel() async {
        child.kill()
        closeOnce()
        await relay.wait()
        _ = await child.wait()
    }
}
