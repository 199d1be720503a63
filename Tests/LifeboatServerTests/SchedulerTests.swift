import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatJobs
import LifeboatTestSupport
import Logging
import Testing

/// A clock the test moves by hand.
final class ManualClock: DaemonClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    func now() -> Date { lock.withLock { current } }
    func set(_ date: Date) { lock.withLock { current = date } }
    func sleep(until date: Date) async throws { try await Task.sleep(for: .milliseconds(10)) }
}

@Suite struct SchedulerTests {
    /// 2026-03-28T22:00:00Z.
    static let start = Date(timeIntervalSince1970: 1_774_735_200)

    /// A daemon whose scheduler is driven by `tick(now:)` only; jobs would run for real, so
    /// the node's backups go to a real repository.
    func makeDaemon(_ dir: TemporaryDirectory, backups: String, runMissed: Bool = true) async throws -> (Daemon, ManualClock) {
        try FileManager.default.createDirectory(atPath: dir.appending("node/events"), withIntermediateDirectories: true)
        try Data("e".utf8).write(to: URL(fileURLWithPath: dir.appending("node/events/1")))
        try DaemonHarness.makeDatabase(dir.appending("node/data.db"), rows: 5)
        var yaml = DaemonHarness.yaml(dir: dir, backups: backups)
        if !runMissed { yaml = yaml.replacingOccurrences(of: "run_missed_at_start: true", with: "run_missed_at_start: false") }
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: dir.appending("lifeboat.yaml")))
        let env = ["LB_TEST_PASSWORD": DaemonHarness.password]
        let config = try LifeboatConfiguration.load(path: dir.appending("lifeboat.yaml"), environment: env)
        let clock = ManualClock(Self.start)
        let daemon = try await Daemon(configuration: config, environment: env, clock: clock, logger: Logger(label: "t"))
        try await daemon.openRepositories(create: true)
        // The runner runs the jobs ticks submit (in the server it is a service of the group).
        Task { await daemon.runner.run() }
        return (daemon, clock)
    }

    @Test func intervalRunsWhenDueAndNotBefore() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-sched")
        defer { dir.remove() }
        let (daemon, _) = try await makeDaemon(dir, backups: "interval: 1h30m\nmax: 2\nrepositories: [primary]")
        let t0 = Self.start
        #expect(await daemon.scheduler.tick(now: t0).isEmpty)
        let state = try #require(try await daemon.catalog.scheduleState(node: "n1", kind: .backup))
        #expect(state.nextRun == t0.addingTimeInterval(5400))
        #expect(await daemon.scheduler.tick(now: t0.addingTimeInterval(5399)).isEmpty)
        let jobs = await daemon.scheduler.tick(now: t0.addingTimeInterval(5400))
        #expect(jobs.count == 1)
        #expect(jobs.first?.trigger == .schedule)
        await daemon.runner.waitUntilIdle()
        let done = try #require(try await daemon.catalog.job(jobs[0].id))
        #expect(done.state == .completed, "\(done.errorMessage ?? "")")
        #expect(try await daemon.catalog.scheduleState(node: "n1", kind: .backup)?.nextRun == t0.addingTimeInterval(10800))
    }

    @Test func cronFollowsTheTimeZoneAcrossDST() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-sched")
        defer { dir.remove() }
        // 02:30 Amsterdam does not exist on 2026-03-29 (clocks jump 02:00 → 03:00); the start is 23:00 on the 28th.
        let (daemon, _) = try await makeDaemon(
            dir, backups: "cron: \"30 2 * * *\"\ntimezone: Europe/Amsterdam\nmax: 2\nrepositories: [primary]")
        await daemon.scheduler.tick(now: Self.start)
        let next = try #require(try await daemon.catalog.scheduleState(node: "n1", kind: .backup)?.nextRun)
        // Vixie cron: a fixed-time job due in the skipped hour runs once at the jump.
        #expect(ISO8601.format(next, in: TimeZone(identifier: "Europe/Amsterdam")!) == "2026-03-29T03:00:00+02:00")
    }

    @Test func pausedScheduleStartsNothingAndResumeRecomputes() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-sched")
        defer { dir.remove() }
        let (daemon, clock) = try await makeDaemon(dir, backups: "interval: 10m\nmax: 2\nrepositories: [primary]")
        await daemon.scheduler.tick(now: Self.start)
        _ = try await daemon.scheduler.setPaused(true, node: "n1", kind: .backup)
        #expect(await daemon.scheduler.tick(now: Self.start.addingTimeInterval(3600)).isEmpty)
        clock.set(Self.start.addingTimeInterval(3600))
        let resumed = try await daemon.scheduler.setPaused(false, node: "n1", kind: .backup)
        #expect(resumed.nextRun == Self.start.addingTimeInterval(4200))
    }

    @Test(arguments: [true, false])
    func runMissedWhileDownOnceAtStart(runMissed: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-sched")
        defer { dir.remove() }
        let (first, _) = try await makeDaemon(dir, backups: "interval: 1h\nmax: 2\nrepositories: [primary]", runMissed: runMissed)
        await first.scheduler.tick(now: Self.start)
        try first.catalog.close()
        // The daemon was down for five hours: one catch-up run at most, not five.
        let env = ["LB_TEST_PASSWORD": DaemonHarness.password]
        let config = try LifeboatConfiguration.load(path: dir.appending("lifeboat.yaml"), environment: env)
        let second = try await Daemon(
            configuration: config, environment: env, clock: ManualClock(Self.start), logger: Logger(label: "t"))
        Task { await second.runner.run() }
        let later = Self.start.addingTimeInterval(5 * 3600)
        let jobs = await second.scheduler.tick(now: later)
        #expect(jobs.count == (runMissed ? 1 : 0))
        #expect(jobs.first?.triggerDetail?.hasPrefix("missed run") ?? true)
        #expect(await second.scheduler.tick(now: later.addingTimeInterval(1)).isEmpty)
        #expect(try await second.catalog.scheduleState(node: "n1", kind: .backup)?.nextRun == later.addingTimeInterval(3600))
        await second.runner.waitUntilIdle()
    }

    @Test func oneJobPerNodeAtATimeOthersQueue() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-sched")
        defer { dir.remove() }
        let (daemon, _) = try await makeDaemon(dir, backups: "interval: 1h\nmax: 5\nrepositories: [primary]")
        let a = try await daemon.runner.submit(.backup(node: "n1"), trigger: .manual)
        let b = try await daemon.runner.submit(.backup(node: "n1"), trigger: .manual)
        // The second waits for the first: it cannot have started before the first ended.
        await daemon.runner.waitUntilIdle()
        let first = try #require(try await daemon.catalog.job(a.id))
        let second = try #require(try await daemon.catalog.job(b.id))
        #expect(first.state == .completed)
        #expect(second.state == .completed)
        #expect(try #require(second.startedAt) >= (try #require(first.endedAt)))
    }
}
