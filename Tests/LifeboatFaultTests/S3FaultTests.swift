import Foundation
import LifeboatCore
import LifeboatRepository
import LifeboatS3
import LifeboatStorage
import LifeboatTestSupport
import Logging
import Testing

/// Backups to S3 through ``FaultProxy``, which fails a fifth of the requests (500s, resets
/// before and in the middle of answers, stalls past the client's timeout) in front of a real
/// moto_server: every backup completes or fails with one clear error, and every snapshot the
/// repository shows restores byte for byte when read directly from moto.
@Suite(.serialized) struct S3FaultTests {
    let logger = Logger(label: "lifeboat.fault-tests")

    @Test func eachFaultReachesTheClientAsTheFailureItStandsFor() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let bucket = freshBucket()
        let direct = try faultConfiguration(endpoint: moto.endpoint, bucket: bucket, attempts: 1)
        try await withStorage(direct) { try await $0.createBucket() }

        for fault in FaultProxy.Fault.allCases {
            let proxy = try FaultProxy.start(
                upstreamPort: moto.port,
                configuration: .init(rate: 1, seed: 1, faults: [fault], stall: .seconds(2)))
            defer { proxy.stop() }
            let configuration = try faultConfiguration(endpoint: proxy.endpoint, bucket: bucket, attempts: 1, timeout: .seconds(1))
            let name = ObjectName(.snapshots, "probe-\(fault.rawValue)")
            let error = await #expect(throws: LifeboatError.self, "\(fault)") {
                try await withStorage(configuration) { try await $0.put(name, Data("probe".utf8)) }
            }
            #expect(error?.code == .io, "\(fault): \(String(describing: error))")
            #expect(error?.message.contains("127.0.0.1:\(proxy.port)") == true, "\(fault): \(String(describing: error))")
            #expect(error?.message.contains(motoCredentials.secretAccessKey) == false)
            #expect(proxy.faultCounts[fault] == 1, "\(fault): \(proxy.faultCounts)")
            // Only a reset in the answer lets the request through to the server.
            let stored = try await withStorage(direct) { try await $0.stat(name) }
            #expect((stored != nil) == (fault == .resetInAnswer), "\(fault)")
        }
        #expect(try await withStorage(direct) { try await $0.list(.snapshots) }.count == 1)
    }

    @Test func theSameSeedFailsTheSameRequests() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let bucket = freshBucket()
        try await withStorage(try faultConfiguration(endpoint: moto.endpoint, bucket: bucket)) { try await $0.createBucket() }

        let first = try await faultPattern(moto: moto, bucket: bucket, seed: 42)
        let again = try await faultPattern(moto: moto, bucket: bucket, seed: 42)
        let other = try await faultPattern(moto: moto, bucket: bucket, seed: 43)
        #expect(first == again)
        #expect(first != other)
        #expect(first.filter { $0 }.count >= 3 && first.filter { $0 }.count <= 18, "\(first)")
    }

    /// Which of 30 sequential requests failed (true) behind a proxy seeded with `seed`.
    private func faultPattern(moto: MotoServer, bucket: String, seed: UInt64) async throws -> [Bool] {
        let proxy = try FaultProxy.start(upstreamPort: moto.port, configuration: .init(rate: 0.3, seed: seed, faults: [.serverError]))
        defer { proxy.stop() }
        let configuration = try faultConfiguration(endpoint: proxy.endpoint, bucket: bucket, attempts: 1)
        return try await withStorage(configuration) { storage in
            var failed: [Bool] = []
            for index in 0..<30 {
                do {
                    _ = try await storage.stat(ObjectName(.keys, "key-\(index)"))
                    failed.append(false)
                } catch {
                    failed.append(true)
                }
            }
            return failed
        }
    }

    @Test func backupsThroughAFaultyProxyNeverShowASnapshotWithMissingData() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let directory = try TemporaryDirectory(prefix: "lifeboat-s3-faults")
        defer { directory.remove() }
        let bucket = freshBucket()
        let direct = try faultConfiguration(endpoint: moto.endpoint, bucket: bucket)
        try await withStorage(direct) { storage in
            try await storage.createBucket()
            _ = try await Repository.initialize(storage: storage, secret: .password(repositoryPassword), logger: logger, scryptN: 1 << 10)
        }
        let proxy = try FaultProxy.start(
            upstreamPort: moto.port, configuration: .init(rate: 0.2, seed: 2026, stall: .milliseconds(1500)))
        defer { proxy.stop() }

        var tree = try ChangingTree(root: directory.appending("node"), seed: 9)
        var expected: [ObjectID: ChangingTree] = [:]
        var completed = 0
        var failed = 0
        // One attempt per request fails most runs; five let most complete: both paths are taken.
        for (run, attempts) in [1, 5, 2, 5, 1, 5, 3, 5].enumerated() {
            if run > 0 { try tree.change() }
            let configuration = try faultConfiguration(
                endpoint: proxy.endpoint, bucket: bucket, attempts: attempts, timeout: .seconds(1))
            do {
                let result = try await withStorage(configuration) { storage in
                    let repository = try await Repository.open(storage: storage, secret: .password(repositoryPassword), logger: logger)
                    return try await repository.backup(paths: [tree.root], options: BackupOptions())
                }
                #expect(result.warnings.isEmpty, "run \(run): \(result.warnings)")
                completed += 1
            } catch let error as LifeboatError {
                failed += 1
                #expect(error.code == .io, "run \(run): \(error)")
                #expect(error.message.contains("127.0.0.1:\(proxy.port)"), "run \(run): \(error.message)")
                #expect(!error.message.contains("\n"), "run \(run): not one line: \(error.message)")
                #expect(!error.message.contains(motoCredentials.secretAccessKey))
            }
            try await verify(direct: direct, tree: tree, expected: &expected, run: run, directory: directory)
        }
        #expect(completed >= 2, "completed \(completed), failed \(failed), faults \(proxy.faultCounts)")
        #expect(failed >= 1, "completed \(completed), failed \(failed), faults \(proxy.faultCounts)")
        #expect(Set(proxy.faultCounts.keys) == Set(FaultProxy.Fault.allCases), "\(proxy.faultCounts)")
        let share = Double(proxy.faultCounts.values.reduce(0, +)) / Double(max(proxy.requestCount, 1))
        #expect(share > 0.1 && share < 0.3, "\(proxy.faultCounts) of \(proxy.requestCount) requests")
    }

    /// Opens the repository on moto directly: `check --read-data` finds no damage, and every
    /// snapshot restores exactly the tree it was taken of (a new one is of the current tree).
    private func verify(
        direct: S3Configuration, tree: ChangingTree, expected: inout [ObjectID: ChangingTree], run: Int,
        directory: TemporaryDirectory
    ) async throws {
        let records = try await withStorage(direct) { storage in
            let repository = try await Repository.open(storage: storage, secret: .password(repositoryPassword), logger: logger)
            let report = try await repository.check(readData: true)
            #expect(report.errors.isEmpty, "run \(run): \(report.errors)")
            let records = try await repository.snapshots()
            for record in records {
                let snapshot = expected[record.id] ?? tree
                let target = directory.appending("restore-\(run)-\(record.id.hex)")
                let result = try await repository.restore(record, options: RestoreOptions(target: target))
                #expect(result.failures.isEmpty, "run \(run): \(result.failures)")
                let differences = snapshot.differences(in: target + "/node")
                #expect(differences.isEmpty, "run \(run), snapshot \(record.id.hex): \(differences)")
                try FileManager.default.removeItem(atPath: target)
            }
            return records
        }
        for record in records where expected[record.id] == nil { expected[record.id] = tree }
        #expect(records.count == expected.count)
    }
}
