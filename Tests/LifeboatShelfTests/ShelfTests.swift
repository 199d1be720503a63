import Foundation
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatShelf

/// The shelf writes `<dir>/<module>/<store>.db` (0640) through `.db.work`, keeps `.db.previous`,
/// stays off unless configured, and refuses an invalid interval at start.
@Suite struct ShelfTests {
    @Test func copiesHaveTheDatadirLayoutAndMode() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-shelf")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.appending("node/network"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.appending("node/vdr"), withIntermediateDirectories: true)
        let network = try TestDatabase(path: dir.appending("node/network/data.db"), rows: 50)
        let didStore = try TestDatabase(path: dir.appending("node/vdr/didstore.db"), rows: 20)
        let shelf = try Shelf(
            directory: dir.appending("shelf"), interval: "1h",
            stores: [
                .sqlite(module: "network", name: "data", database: network.path),
                .sqlite(module: "vdr", name: "didstore.db", database: didStore.path),
            ])
        #expect(shelf.isEnabled)

        let first = try await shelf.backupNow()
        #expect(first.map(\.path) == [dir.appending("shelf/network/data.db"), dir.appending("shelf/vdr/didstore.db")])
        for backup in first {
            #expect(try mode(backup.path) == 0o640)
            #expect(try SQLiteProbe.integrityCheck(backup.path) == "ok")
            #expect(backup.bytes == Int64(try FileManager.default.attributesOfItem(atPath: backup.path)[.size] as? Int ?? -1))
        }
        #expect(try SQLiteProbe.query(dir.appending("shelf/network/data.db"), "SELECT count(*) FROM items") == "50")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appending("shelf")).sorted() == ["network", "vdr"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appending("shelf/network")) == ["data.db"])

        try network.insert(25)
        try await shelf.backupNow()
        let copy = dir.appending("shelf/network/data.db")
        #expect(try SQLiteProbe.query(copy, "SELECT count(*) FROM items") == "75")
        #expect(try SQLiteProbe.query(copy + ".previous", "SELECT count(*) FROM items") == "50")
        #expect(try mode(copy + ".previous") == 0o640)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.appending("shelf/network")).sorted() == ["data.db", "data.db.previous"])
    }

    @Test func aFailingWriterKeepsTheLastCopy() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-shelf")
        defer { dir.remove() }
        let fail = LockedFlag()
        let shelf = try Shelf(
            directory: dir.appending("shelf"), interval: "10m",
            stores: [
                ShelfStore(module: "vcr", name: "backup-issued-credentials") { destination in
                    if fail.value { throw LifeboatError(.io, "disk went away") }
                    try Data("copy one".utf8).write(to: URL(fileURLWithPath: destination))
                }
            ])
        try await shelf.backupNow()
        let copy = dir.appending("shelf/vcr/backup-issued-credentials.db")
        #expect(try String(contentsOfFile: copy, encoding: .utf8) == "copy one")
        // The writer replaced the file the shelf created; the mode is still 0640.
        #expect(try mode(copy) == 0o640)
        fail.value = true
        let error = try await #require(throws: LifeboatError.self) { try await shelf.backupNow() }
        #expect(error.message.contains("disk went away"))
        #expect(try String(contentsOfFile: copy, encoding: .utf8) == "copy one")
        #expect(!FileManager.default.fileExists(atPath: copy + ".work"))
    }

    @Test func offUnlessBothDirectoryAndIntervalAreSet() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-shelf")
        defer { dir.remove() }
        let stores = [ShelfStore(module: "network", name: "data") { _ in Issue.record("an off shelf wrote a copy") }]
        let settings: [(String?, String?)] = [
            (nil, "1h"), (dir.appending("shelf"), nil), (dir.appending("shelf"), ""), (dir.appending("shelf"), "0"),
            (dir.appending("shelf"), "0s"), ("", "1h"),
        ]
        for (directory, interval) in settings {
            let shelf = try Shelf(directory: directory, interval: interval, stores: stores)
            #expect(!shelf.isEnabled, "directory \(directory ?? "nil"), interval \(interval ?? "nil")")
            await shelf.run()  // returns at once when off
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appending("shelf")))
    }

    @Test(arguments: [
        ("1d", #"shelf backup interval "1d": unknown unit "d" (use s, m or h)"#),
        ("10", #"shelf backup interval "10": missing unit after "10" (use s, m or h)"#),
        ("-5m", #"shelf backup interval "-5m": must not be negative; write a number and a unit, e.g. 30s, 10m or 1h"#),
        ("hourly", #"shelf backup interval "hourly": expected a number before "hourly"; write a number and a unit, e.g. 30s, 10m or 1h"#),
    ])
    func anInvalidIntervalFailsAtStart(text: String, message: String) throws {
        let error = try #require(throws: LifeboatError.self) {
            try Shelf(directory: "/tmp/never-created-by-this-test", interval: text, stores: [])
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message == message)
    }

    @Test func storeNamesMustBePlainAndUnique() throws {
        for (module, name) in [("../etc", "data"), ("network", "a/b"), (".hidden", "data"), ("", "data")] {
            #expect(throws: LifeboatError.self) {
                try Shelf(directory: nil, interval: nil, stores: [ShelfStore(module: module, name: name) { _ in }])
            }
        }
        let twice = [ShelfStore(module: "vdr", name: "didstore") { _ in }, ShelfStore(module: "vdr", name: "didstore.db") { _ in }]
        #expect(throws: LifeboatError.self) { try Shelf(directory: nil, interval: nil, stores: twice) }
    }

    @Test func runCopiesEachStoreEveryIntervalUntilCancelled() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-shelf")
        defer { dir.remove() }
        let events = EventLog()
        let shelf = try Shelf(
            directory: dir.appending("shelf"), interval: "1s",
            stores: ["data", "connections"].map { name in
                ShelfStore(module: "network", name: name) { destination in
                    try Data(name.utf8).write(to: URL(fileURLWithPath: destination))
                }
            },
            report: { events.append($0) })
        let started = Date()
        let task = Task { await shelf.run() }
        while events.copies(of: "data") < 2 || events.copies(of: "connections") < 2, Date().timeIntervalSince(started) < 90 {
            try await Task.sleep(for: .milliseconds(50))
        }
        task.cancel()
        await task.value
        let elapsed = Date().timeIntervalSince(started)
        #expect(events.copies(of: "data") >= 2)
        #expect(events.copies(of: "connections") >= 2)
        // The first copy comes one interval after the start, not at once.
        #expect(elapsed >= 2)
        let afterCancel = events.count
        try await Task.sleep(for: .milliseconds(1_300))
        #expect(events.count == afterCancel, "copies after cancellation")
        #expect(try String(contentsOfFile: dir.appending("shelf/network/connections.db"), encoding: .utf8) == "connections")
    }

    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1) & 0o777
    }
}

/// A flag shared with a writer closure.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Collects shelf events from the shelf's thread.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ShelfEvent] = []

    func append(_ event: ShelfEvent) { lock.withLock { events.append(event) } }

    var count: Int { lock.withLock { events.count } }

    func copies(of name: String) -> Int {
        lock.withLock {
            events.filter {
                if case .backedUp(let backup) = $0 { return backup.name == name }
                return false
            }.count
        }
    }
}
