import Foundation

/// How a started child ended and what it printed, awaited without holding a thread of the
/// cooperative pool.
///
/// A test that waits for a child with `waitUntilExit()` blocks the cooperative thread it runs
/// on; a 2-core CI machine has two, and a few such tests side by side kept an in-process
/// daemon's requests and other suites' timers waiting for over 30 s. The reads and the wait
/// happen on threads of their own here, stdout and stderr side by side (a child filling the
/// stderr pipe while the test reads stdout to its end would otherwise never finish).
public struct ProcessOutcome: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// Waits for `process` (started with pipes as its standard output and error, or with
    /// either not a pipe, read as empty) and collects its output.
    public static func collect(_ process: Process) async -> ProcessOutcome {
        let out = (process.standardOutput as? Pipe)?.fileHandleForReading
        let err = (process.standardError as? Pipe)?.fileHandleForReading
        let box = UncheckedProcess(process: process)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let group = DispatchGroup()
                nonisolated(unsafe) var errData = Data()
                group.enter()
                Thread.detachNewThread {
                    errData = err?.readDataToEndOfFile() ?? Data()
                    group.leave()
                }
                let outData = out?.readDataToEndOfFile() ?? Data()
                group.wait()
                box.process.waitUntilExit()
                continuation.resume(
                    returning: ProcessOutcome(
                        status: box.process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                        stderr: String(decoding: errData, as: UTF8.self)))
            }
        }
    }

    /// Waits for `process` to exit, on a thread of its own; its status.
    public static func exit(of process: Process) async -> Int32 {
        let box = UncheckedProcess(process: process)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                box.process.waitUntilExit()
                continuation.resume(returning: box.process.terminationStatus)
            }
        }
    }
}

/// `Process` is not `Sendable`; the thread that waits for it is the only one using it.
private struct UncheckedProcess: @unchecked Sendable {
    let process: Process
}
