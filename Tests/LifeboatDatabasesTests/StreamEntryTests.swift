import Foundation
import LifeboatCore
import LifeboatProcess
import LifeboatRepository
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Streamed entries: a command's stdout archived without a copy on disk, and read back into an fd or a command.
@Suite struct StreamEntryTests {
    @Test func commandOutputIsArchivedBesideFilesAndReadBack() async throws {
        let f = try await Fixture()
        defer { f.dir.remove() }
        let source = try f.directory("node")
        try FileManager.default.createDirectory(atPath: source + "/vcr", withIntermediateDirectories: true)
        try Data("issuers: []\n".utf8).write(to: URL(fileURLWithPath: source + "/vcr/trusted_issuers.yaml"))
        let payload = pseudoRandomBytes(5_000_000, seed: 7)
        let blob = f.dir.appending("payload.bin")
        try Data(payload).write(to: URL(fileURLWithPath: blob))
        var options = BackupOptions()
        options.root = source
        options.streams = [
            StreamEntry(path: "db/main.dump", mode: 0o640, producer: CommandProducer(Command("cat", [blob]))),
            StreamEntry(path: "db/meta.json", producer: BytesProducer(Array("{\"n\":1}".utf8))),
        ]
        let result = try await f.repo.backup(paths: [source + "/vcr"], options: options)
        #expect(result.snapshot.streams == ["db/main.dump", "db/meta.json"])
        let record = try await f.repo.findSnapshot("latest")
        let node = try await f.repo.fileNode(record, path: "db/main.dump")
        #expect(node.size == 5_000_000)
        #expect(node.mode == 0o640)
        #expect((node.chunkLists?.count ?? 0) + (node.chunks?.count ?? 0) > 1)

        // A whole restore writes the streamed entries as files, beside the datadir's files.
        let out = f.dir.appending("out")
        let restored = try await f.repo.restore(record, options: RestoreOptions(target: out))
        #expect(restored.failures.isEmpty)
        #expect(contents(out + "/db/main.dump") == payload)
        #expect(contents(out + "/db/meta.json") == Array("{\"n\":1}".utf8))
        #expect(contents(out + "/vcr/trusted_issuers.yaml") == Array("issuers: []\n".utf8))

        // Into a file descriptor, and into a command's stdin.
        let target = f.dir.appending("fd.bin")
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let written = try await f.repo.readFile(record, path: "db/main.dump", to: fd)
        close(fd)
        #expect(written == 5_000_000)
        #expect(contents(target) == payload)
        let piped = f.dir.appending("piped.bin")
        try await f.repo.readFile(record, path: "db/main.dump", into: Command("sh", ["-c", "cat > \"$0\"", piped]))
        #expect(contents(piped) == payload)
        await #expect(throws: LifeboatError.self) { try await f.repo.readFile(record, path: "db/none.dump", to: fd) }
    }

    @Test func failingCommandFailsTheBackupAndWritesNoSnapshot() async throws {
        let f = try await Fixture()
        defer { f.dir.remove() }
        var options = BackupOptions()
        options.streams = [
            StreamEntry(
                path: "pg/validator.dump",
                producer: CommandProducer(
                    Command("sh", ["-c", "head -c 3000000 /dev/urandom; echo 'pg_dump: error: query failed: relation gone' >&2; exit 3"])))
        ]
        let error = await #expect(throws: LifeboatError.self) { try await f.repo.backup(paths: [], options: options) }
        #expect(error?.message.contains("exited with status 3") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("relation gone") == true, "\(error?.message ?? "")")
        #expect(try await f.repo.snapshots().isEmpty)

        options.streams = [
            StreamEntry(path: "x/killed.bin", producer: CommandProducer(Command("sh", ["-c", "head -c 100000 /dev/zero; kill -9 $$"])))
        ]
        let killed = await #expect(throws: LifeboatError.self) { try await f.repo.backup(paths: [], options: options) }
        #expect(killed?.message.contains("killed by signal 9") == true, "\(killed?.message ?? "")")

        options.streams = [StreamEntry(path: "x/none.bin", producer: CommandProducer(Command("no-such-dump-tool")))]
        let missing = await #expect(throws: LifeboatError.self) { try await f.repo.backup(paths: [], options: options) }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains("no-such-dump-tool") == true)
        #expect(try await f.repo.snapshots().isEmpty)
    }

    @Test func commandsDoNotInheritLifeboatSecrets() async throws {
        setenv("LIFEBOAT_FROM_PASSWORD", "inherited-secret", 1)
        defer { unsetenv("LIFEBOAT_FROM_PASSWORD") }
        let child = try ChildProcess(
            Command("sh", ["-c", "echo \"${LIFEBOAT_FROM_PASSWORD:-absent} $PGPASSWORD\""], environment: ["PGPASSWORD": "given"]))
        let out = String(decoding: await child.readStdoutToEnd(), as: UTF8.self)
        try await child.checkSuccess("sh")
        #expect(out == "absent given\n")
    }

    @Test func entriesThatCollideOrEscapeAreRefused() async throws {
        let f = try await Fixture()
        defer { f.dir.remove() }
        let source = try f.directory("node")
        try Data("x".utf8).write(to: URL(fileURLWithPath: source + "/a"))
        var options = BackupOptions()
        options.streams = [StreamEntry(path: "node", producer: BytesProducer([1]))]
        await #expect(throws: LifeboatError.self) { try await f.repo.backup(paths: [source], options: options) }
        options.streams = [StreamEntry(path: "../etc/passwd", producer: BytesProducer([1]))]
        await #expect(throws: LifeboatError.self) { try await f.repo.backup(paths: [source], options: options) }
        #expect(try await f.repo.snapshots().isEmpty)
    }
}
