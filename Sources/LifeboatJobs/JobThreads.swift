import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The threads the runner's jobs run on: a `TaskExecutor` of their own, so that a backup's
/// hashing, compression and blocking reads (its pipeline's child tasks inherit the
/// preference) never occupy the cooperative pool the API, the console and the scheduler
/// run on.
///
/// That pool has one thread per core; on a two-core host a running backup kept both busy,
/// and every API request waited behind its batches at each `await` (p99 1.9 s under 200
/// clients). These threads also run at the lowest priority (nice 19, per thread on Linux),
/// so the kernel runs a request's short work before the next batch; the backup gets
/// whatever the requests leave.
///
/// ```swift
/// let work = Task(executorPreference: JobThreads.shared) { try await executor.execute(request, …) }
/// ```
public final class JobThreads: TaskExecutor, @unchecked Sendable {
    /// One thread per core.
    public static let shared = JobThreads(threads: max(2, ProcessInfo.processInfo.activeProcessorCount), nice: 19)

    private let condition = NSCondition()
    /// Jobs waiting, oldest first from `head`.
    private var queue: [UnownedJob] = []
    private var head = 0

    /// Starts `threads` threads at niceness `nice` (added to the process's own). The test
    /// harness runs an in-process daemon's server on a pool of its own at niceness 0, so that
    /// test bodies blocking the cooperative pool (a CLI child awaited synchronously) cannot
    /// hold its requests back.
    public init(threads: Int, nice niceness: Int32) {
        for index in 0..<threads {
            let thread = Thread { [self] in
                // `nice` changes the calling thread only on Linux.
                _ = nice(niceness)
                Thread.current.threadDictionary[Self.indexKey] = index
                run()
            }
            thread.name = "lifeboat-job-\(index)"
            thread.start()
        }
    }

    private static let indexKey = "lifeboat.job-thread"

    /// The number of the job thread running the caller; nil on any other thread. (Thread
    /// names are not reliable on Linux: a thread may keep the name of the one that made it.)
    public static var currentThread: Int? { Thread.current.threadDictionary[indexKey] as? Int }

    /// Queues a job; a waiting thread picks it up.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while head == queue.count { condition.wait() }
            let job = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
