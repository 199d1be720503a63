import Foundation
import LifeboatTestSupport
import Testing

/// `kill -9` in the middle of a backup or a prune leaves a repository that checks clean,
/// restores its earlier snapshots and takes the next backup. Each test asserts that its
/// kill landed mid-operation: the process had already written to the repository and had
/// not finished (no new snapshot; the prune's lock still held), and it was still running
/// when the signal was sent.
@Suite struct KillTests {
    let cli = CLI()

    /// The kill point of a backup: this fraction of its new data written to `data/`.
    @Test(arguments: [0.03, 0.35, 0.75])
    func killDuringBackup(atFraction fraction: Double) async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-kill")
        defer { dir.remove() }
        let repo = dir.appending("repo")
        let source = dir.appending("node")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try writeRandomFile(source + "/first.bin", bytes: 2_000_000, seed: 3)
        #expect(try await cli.run(["init", "--repo", repo]).status == 0)
        #expect(try await cli.run(["backup", "--repo", repo, source]).status == 0)
        let newBytes = 6 * 8_000_000
        for i in 0..<6 { try writeRandomFile(source + "/big\(i).bin", bytes: 8_000_000, seed: UInt64(10 + i)) }
        let snapshotsBefore = RepositoryProbe.files(repo + "/snapshots").count
        let dataBefore = RepositoryProbe.bytes(under: repo + "/data")
        let threshold = dataBefore + Int64(Double(newBytes) * fraction)

        let process = try cli.start(["backup", "--repo", repo, source], quiet: true)
        let landed = await RepositoryProbe.kill(process) { RepositoryProbe.bytes(under: repo + "/data") >= threshold }
        #expect(landed, "the backup ended before \(Int(fraction * 100)) % of its data was written")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        // Mid-operation: it had written its share, and it had not committed a snapshot.
        #expect(RepositoryProbe.bytes(under: repo + "/data") >= threshold)
        #expect(RepositoryProbe.files(repo + "/snapshots").count == snapshotsBefore, "the backup had already finished")
        try await expectHealthy(repo: repo, dir: dir, source: source)
    }

    /// The kill points of a prune: its first new pack, its new index, its first deletion.
    enum PrunePoint: String, CaseIterable, Sendable {
        case newPack, newIndex, packDeleted
    }

    @Test(arguments: PrunePoint.allCases)
    func killDuringPrune(at point: PrunePoint) async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-kill")
        defer { dir.remove() }
        let repo = dir.appending("repo")
        let source = dir.appending("node")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        #expect(try await cli.run(["init", "--repo", repo]).status == 0)
        for i in 0..<4 {
            try writeRandomFile(source + "/rolling.bin", bytes: 6_000_000, seed: UInt64(100 + i))
            try writeRandomFile(source + "/keep\(i).bin", bytes: 500_000, seed: UInt64(200 + i))
            #expect(try await cli.run(["backup", "--repo", repo, source]).status == 0)
        }
        #expect(try await cli.run(["forget", "--repo", repo, "--keep-last", "2"]).status == 0)
        let packsBefore = Set(RepositoryProbe.files(repo + "/data").filter { !$0.contains(".tmp-") })
        let indexBefore = Set(RepositoryProbe.files(repo + "/index"))

        let process = try cli.start(["prune", "--repo", repo], quiet: true)
        let landed = await RepositoryProbe.kill(process) {
            switch point {
            case .newPack:
                return RepositoryProbe.files(repo + "/data").contains { !$0.contains(".tmp-") && !packsBefore.contains($0) }
            case .newIndex:
                return RepositoryProbe.files(repo + "/index").contains { !indexBefore.contains($0) }
            case .packDeleted:
                return !packsBefore.isSubset(of: Set(RepositoryProbe.files(repo + "/data")))
            }
        }
        #expect(landed, "the prune ended before its \(point.rawValue) point")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        // Mid-operation: the prune's exclusive lock is still there (it is removed last).
        let locks = RepositoryProbe.files(repo + "/locks").compactMap { RepositoryProbe.lock(repo + "/locks/" + $0) }
        #expect(locks.contains { $0.operation == "prune" && $0.exclusive && $0.pid == process.processIdentifier }, "\(locks)")

        try await expectHealthy(repo: repo, dir: dir, source: source)
        // The dead process's lock is stale: the next prune needs no unlock.
        let again = try await cli.run(["prune", "--repo", repo])
        #expect(again.status == 0, "\(again.stderr)")
        let check = try await cli.run(["check", "--repo", repo, "--read-data"])
        #expect(check.status == 0)
        #expect(!check.stdout.contains("warning"), "\(check.stdout)")
    }

    private func expectHealthy(repo: String, dir: TemporaryDirectory, source: String) async throws {
        let check = try await cli.run(["check", "--repo", repo, "--read-data"])
        #expect(check.status == 0, "check after kill: \(check.stdout) \(check.stderr)")
        let list = try await cli.run(["snapshots", "--repo", repo, "--json"])
        let snaps = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(!snaps.isEmpty)
        for (i, snap) in snaps.enumerated() {
            let id = try #require(snap["id"] as? String)
            let r = try await cli.run(["restore", "--repo", repo, id, "--target", dir.appending("out-\(i)")])
            #expect(r.status == 0, "restore \(id) after kill: \(r.stderr)")
        }
        let next = try await cli.run(["backup", "--repo", repo, source])
        #expect(next.status == 0, "backup after kill: \(next.stderr)")
    }
}

/// What a kill test reads of a local repository while the process works on it.
enum RepositoryProbe {
    /// The files under `directory`, by path relative to it (recursively).
    static func files(_ directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// The bytes of every file under `directory`, temporary packs included.
    static func bytes(under directory: String) -> Int64 {
        files(directory).reduce(Int64(0)) { total, name in
            var info = stat()
            return total + (stat(directory + "/" + name, &info) == 0 ? Int64(info.st_size) : 0)
        }
    }

    struct Lock: Decodable {
        var exclusive: Bool
        var pid: Int32
        var operation: String
    }

    /// A lock file's contents, if it is one.
    static func lock(_ path: String) -> Lock? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(Lock.self, from: $0) }
    }

    /// Polls `reached` every millisecond while `process` runs and sends SIGKILL the moment it
    /// holds; true when the process was still running then (the kill landed), false when it
    /// exited first. Waits for the process either way. The polling runs on a thread of its
    /// own (precise to the millisecond, and no cooperative thread held for the seconds it takes).
    static func kill(_ process: Process, when reached: @escaping @Sendable () -> Bool) async -> Bool {
        let box = UnsafeProcess(process: process)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: killBlocking(box.process, when: reached)) }
        }
    }

    private static func killBlocking(_ process: Process, when reached: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(120)
        var landed = false
        while process.isRunning && Date() < deadline {
            if reached() {
                // Stop it before looking again, so "running" is what it was at the signal.
                Foundation.kill(process.processIdentifier, SIGSTOP)
                landed = process.isRunning
                Foundation.kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(1000)
        }
        if !landed && process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return landed && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }
}

/// `Process` is not `Sendable`; the killing thread is the only one using it until it exits.
private struct UnsafeProcess: @unchecked Sendable {
    let process: Process
}
