import Foundation
import LifeboatTestSupport
import Testing

/// `kill -9` of a node in the middle of a shelf copy leaves `.db` and `.db.previous` valid:
/// the demo node (a separate process) copies a ~30 MB store every second while writing, and is
/// killed the moment a `.db.work` file shows.
@Suite struct ShelfKillTests {
    @Test func killDuringACopyLeavesTheCopiesValid() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-shelf-kill")
        defer { dir.remove() }
        let shelf = dir.appending("shelf")
        let copy = shelf + "/network/data.db"
        var killedMidWrite = 0
        for round in 0..<3 {
            let node = try DemoNodeProcess.start(
                datadir: dir.appending("node"),
                arguments: [
                    "--nuts-version", "5.0", "--seed-transactions", "150", "--payload-bytes", "200000",
                    "--write-interval", "50ms", "--shelf-dir", shelf, "--shelf-interval", "1s",
                ])
            defer { node.kill() }
            let deadline = Date().addingTimeInterval(20)
            // Wait for a copy while an earlier one is in place, then kill at once.
            while Date() < deadline {
                if FileManager.default.fileExists(atPath: copy + ".work"),
                    round > 0 || FileManager.default.fileExists(atPath: copy + ".previous")
                {
                    break
                }
                usleep(1_000)
            }
            #expect(node.kill() == 137, "round \(round): \(node.log())")
            if FileManager.default.fileExists(atPath: copy + ".work") { killedMidWrite += 1 }
            #expect(try SQLiteProbe.integrityCheck(copy) == "ok", "round \(round)")
            #expect(try SQLiteProbe.integrityCheck(copy + ".previous") == "ok", "round \(round)")
            #expect(Int(try SQLiteProbe.query(copy, "SELECT count(*) FROM transactions")) ?? 0 >= 150)
            // The next round must see a fresh `.work`; the shelf itself clears a stale one before copying.
            unlink(copy + ".work")
            for other in ["vcr/backup-issued-credentials.db", "vdr/didstore.db"]
            where FileManager.default.fileExists(atPath: shelf + "/" + other) {
                #expect(try SQLiteProbe.integrityCheck(shelf + "/" + other) == "ok", "round \(round): \(other)")
            }
        }
        #expect(killedMidWrite >= 1, "no kill landed while a .db.work was being written")
    }
}
