import Foundation
import LifeboatCore
import Testing

@testable import LifeboatRepository

/// `BackupOptions.closingStreams`: entries archived after every path and stream, so what
/// they record describes data already read.
@Suite struct ClosingStreamTests {
    /// Changes the source files when it starts, then streams a note; a closing entry started
    /// before any file was read would leave the changed contents in the snapshot.
    struct ChangingProducer: StreamProducer {
        let files: [String]

        func start() async throws -> any ProducedStream {
            for file in files { try Data("changed after the capture".utf8).write(to: URL(fileURLWithPath: file)) }
            return try await BytesProducer(Array("record".utf8)).start()
        }
    }

    @Test func aClosingEntryIsReadAfterEveryOtherEntry() async throws {
        let t = try await TestRepository()
        let source = try t.makeDirectory("node")
        // Names before and after the closing entry's directory, at the top and below it.
        try FileManager.default.createDirectory(atPath: source + "/vdr", withIntermediateDirectories: true)
        let files = [source + "/a.db", source + "/z.db", source + "/vdr/didstore.db"]
        for file in files { try Data("captured \(file)".utf8).write(to: URL(fileURLWithPath: file)) }
        var options = BackupOptions()
        options.root = source
        options.streams = [StreamEntry(path: "postgres/db.dump", producer: BytesProducer(Array("dump".utf8)))]
        options.closingStreams = [StreamEntry(path: ".lifeboat/record.json", producer: ChangingProducer(files: files))]
        let result = try await t.repo.backup(paths: [files[0], files[1], source + "/vdr"], options: options)
        #expect(result.snapshot.streams == ["postgres/db.dump", ".lifeboat/record.json"])

        let out = t.dir.appending("out")
        let restored = try await t.repo.restore(
            SnapshotRecord(id: result.id, snapshot: result.snapshot), options: RestoreOptions(target: out))
        #expect(restored.failures.isEmpty)
        for file in files {
            let relative = String(file.dropFirst(source.count))
            #expect(try String(contentsOfFile: out + relative, encoding: .utf8) == "captured \(file)", "\(relative)")
        }
        #expect(try String(contentsOfFile: out + "/.lifeboat/record.json", encoding: .utf8) == "record")
        #expect(try String(contentsOfFile: out + "/postgres/db.dump", encoding: .utf8) == "dump")
        // The tree keeps its entries in name order.
        let tree = try await t.repo.loadTree(result.snapshot.tree, index: try await t.repo.loadIndex())
        #expect(tree.nodes.map(\.name) == [".lifeboat", "a.db", "postgres", "vdr", "z.db"])
    }
}
