import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatRepository

/// A backup compares a database's pages with the parent snapshot's pages at the same
/// positions before it asks the index; these tests hold the cursor over the parent's
/// chunk list to the list itself, and the backup to its results when the list is lost.
@Suite struct ParentChunksTests {
    /// The file node of `data.db` in a snapshot.
    static func databaseNode(_ repo: Repository, _ snapshot: ObjectID) async throws -> TreeNode {
        let index = try await repo.loadIndex()
        let root = try await repo.loadTree(try await repo.loadSnapshot(snapshot).snapshot.tree, index: index)
        let node = try #require(root.nodes.first { $0.name == "node" })
        let sub = try await repo.loadTree(try #require(node.subtree), index: index)
        return try #require(sub.nodes.first { $0.name == "data.db" })
    }

    /// Windows of every size, across list blobs, skipping ahead and running past the end,
    /// give exactly the parent's ids at those positions.
    @Test func cursorGivesTheParentsIDsByPosition() async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let node = try t.makeDirectory("node")
        try FrameTests.makeDatabase(node + "/data.db", rows: 30_000)
        let snap = try await t.repo.backup(paths: [node], options: BackupOptions())
        let file = try await Self.databaseNode(t.repo, snap.id)
        #expect((file.chunkLists ?? []).count >= 2, "a database of more than one list blob of pages")
        let index = try await t.repo.loadIndex()
        let all = try await t.repo.chunks(of: file, index: index).map(\.id)
        var rng = SeededGenerator(seed: 3)
        var cursor = try #require(ParentChunks(file))
        var position = 0
        while position < all.count + 300 {
            let count = Int.random(in: 1...700, using: &rng)
            let ids = await cursor.ids(from: position, count: count, repo: t.repo, index: index)
            #expect(ids.count == count)
            for (k, id) in ids.enumerated() {
                let p = position + k
                #expect(id == (p < all.count ? all[p] : nil), "position \(p)")
            }
            // Now and then skip ahead past a whole list blob.
            position += count + (Bool.random(using: &rng) ? 0 : Int.random(in: 0...1200, using: &rng))
        }
        #expect(ParentChunks(nil) == nil)
    }

    /// A second backup after scattered row updates stores only the changed pages, and when
    /// the parent's chunk lists cannot be read it still completes through the index alone.
    @Test(arguments: [false, true])
    func incrementalBackupStoresOnlyChangedPages(parentListsLost: Bool) async throws {
        let t = try await TestRepository()
        defer { t.dir.remove() }
        let node = try t.makeDirectory("node")
        try FrameTests.makeDatabase(node + "/data.db", rows: 30_000)
        let first = try await t.repo.backup(paths: [node], options: BackupOptions())
        let pages = first.snapshot.summary.blobsAdded
        if parentListsLost {
            // An index that no longer names the parent's chunk-list blobs: reading them fails.
            let file = try await Self.databaseNode(t.repo, first.id)
            let lists = Set(file.chunkLists ?? [])
            #expect(!lists.isEmpty)
            var trimmed = IndexFile()
            for id in try await t.repo.listIDs(.index) {
                let old = try IndexFile.decode(try await t.repo.getObject(.index, id), name: id.hex)
                for pack in old.packs { trimmed.packs.append((pack.id, pack.entries.filter { !lists.contains($0.id) })) }
                try await t.storage.delete(ObjectName(.index, id.hex))
            }
            try await t.repo.putObject(.index, trimmed.encode(), compress: false)
        }
        // One row in 300 changed in place (same length): a few pages change, none move.
        try FrameTests.runPython(
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("update docs set body = upper(substr(body, 1, 1)) || substr(body, 2) where id % 300 = 0")
            db.commit()
            """, node + "/data.db")
        let second = try await t.repo.backup(paths: [node], options: BackupOptions())
        #expect(second.warnings.isEmpty)
        #expect(second.snapshot.summary.blobsAdded > 0)
        #expect(second.snapshot.summary.blobsAdded * 10 < pages, "\(second.snapshot.summary.blobsAdded) of \(pages) pages stored again")
        let out = t.dir.appending("out")
        let result = try await t.repo.restore(try await t.repo.findSnapshot(second.id.hex), options: RestoreOptions(target: out))
        #expect(result.failures.isEmpty)
        #expect(try TreeSnapshot(out + "/node") == TreeSnapshot(node))
        #expect(try sqliteScalar(out + "/node/data.db", "pragma integrity_check") == "ok")
    }
}
