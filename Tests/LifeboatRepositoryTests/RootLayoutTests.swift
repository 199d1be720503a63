import Foundation
import LifeboatCore
import LifeboatRepository
import LifeboatTestSupport
import Testing

@Suite struct RootLayoutTests {
    /// A node's stores given relative to its datadir come back in the same places, with
    /// only the chosen files inside the directories in between.
    @Test func pathsKeepTheirPlaceBelowTheRoot() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let datadir = try t.makeDirectory("datadir")
        let fm = FileManager.default
        for dir in ["network", "vcr", "vdr", "events/a"] {
            try fm.createDirectory(atPath: datadir + "/" + dir, withIntermediateDirectories: true)
        }
        try Data("net".utf8).write(to: URL(fileURLWithPath: datadir + "/network/data.db"))
        try Data("issuers".utf8).write(to: URL(fileURLWithPath: datadir + "/vcr/trusted_issuers.yaml"))
        try Data("not chosen".utf8).write(to: URL(fileURLWithPath: datadir + "/vcr/other.txt"))
        try Data("did".utf8).write(to: URL(fileURLWithPath: datadir + "/vdr/didstore.db"))
        try Data("e".utf8).write(to: URL(fileURLWithPath: datadir + "/events/a/1"))
        var options = BackupOptions()
        options.root = datadir
        options.node = "n1"
        let paths = ["network/data.db", "vcr/trusted_issuers.yaml", "vdr/didstore.db", "events"].map { datadir + "/" + $0 }
        let first = try await t.repo.backup(paths: paths, options: options)
        #expect(first.warnings.isEmpty)
        #expect(first.snapshot.summary.files == 4)
        let target = t.dir.appending("restored")
        _ = try await t.repo.restore(try await t.repo.findSnapshot(first.id.hex), options: RestoreOptions(target: target))
        #expect(try String(contentsOfFile: target + "/network/data.db", encoding: .utf8) == "net")
        #expect(try String(contentsOfFile: target + "/vcr/trusted_issuers.yaml", encoding: .utf8) == "issuers")
        #expect(try String(contentsOfFile: target + "/events/a/1", encoding: .utf8) == "e")
        #expect(!fm.fileExists(atPath: target + "/vcr/other.txt"))
        // The second run finds its parent through the intermediate directories: nothing is read again.
        let second = try await t.repo.backup(paths: paths, options: options)
        #expect(second.snapshot.summary.filesRead == 0)
        #expect(second.snapshot.tree == first.snapshot.tree)
    }

    @Test func overlappingOrOutsidePathsAreRefused() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let datadir = try t.makeDirectory("datadir")
        try FileManager.default.createDirectory(atPath: datadir + "/vcr", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: datadir + "/vcr/a.db"))
        var options = BackupOptions()
        options.root = datadir
        await #expect(throws: LifeboatError.self) {
            _ = try await t.repo.backup(paths: [datadir + "/vcr", datadir + "/vcr/a.db"], options: options)
        }
        let outside = try t.makeDirectory("elsewhere")
        do {
            _ = try await t.repo.backup(paths: [outside], options: options)
            Issue.record("a path outside the root was accepted")
        } catch let e as LifeboatError {
            #expect(e.message.contains("not inside"))
        }
        #expect(try await t.repo.snapshots().isEmpty)
    }
}
