import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

/// A backend with one deliberate flaw, to prove the suite notices it.
private struct FlawedStorage: ObjectStorage {
    enum Flaw: String, Sendable, CaseIterable {
        case listsAnObjectTwice
        case readsMissingObjectsAsEmpty
        case ignoresRangeOffset
        case forgetsOverwrites
    }

    let base: LocalStorage
    let flaw: Flaw

    var location: String { base.location }

    func put(_ name: ObjectName, _ data: Data) async throws {
        if flaw == .forgetsOverwrites, try await base.stat(name) != nil { return }
        try await base.put(name, data)
    }

    func get(_ name: ObjectName) async throws -> Data {
        if flaw == .readsMissingObjectsAsEmpty, try await base.stat(name) == nil { return Data() }
        return try await base.get(name)
    }

    func getRange(_ name: ObjectName, offset: Int, length: Int) async throws -> Data {
        try await base.getRange(name, offset: flaw == .ignoresRangeOffset ? 0 : offset, length: length)
    }

    func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        let listed = try await base.list(kind)
        return flaw == .listsAnObjectTwice ? listed + listed.prefix(1) : listed
    }

    func delete(_ name: ObjectName) async throws { try await base.delete(name) }

    func stat(_ name: ObjectName) async throws -> ObjectInfo? { try await base.stat(name) }
}

@Suite struct StorageConformanceSelfTests {
    @Test(arguments: [
        (FlawedStorage.Flaw.listsAnObjectTwice, "list returns each object of its kind exactly once, kinds kept apart"),
        (.readsMissingObjectsAsEmpty, "get and getRange of a missing object throw notFound; stat returns nil"),
        (.ignoresRangeOffset, "getRange reads the start, middle and end, and stops at the end"),
        (.forgetsOverwrites, "put replaces an existing object"),
    ])
    private func suiteCatches(_ flaw: FlawedStorage.Flaw, in checkName: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let check = try #require(StorageConformance.checks.first { $0.name == checkName })
        let storage = FlawedStorage(base: try LocalStorage.create(at: directory.appending("repo")), flaw: flaw)
        let error = await #expect(throws: LifeboatError.self) { try await check.run(on: storage) }
        #expect(error?.code == .internalError)
        #expect(error?.message.contains(checkName) == true)
        #expect(error?.message.contains(directory.path) == true)
    }

    @Test func runReportsEveryFailingCheck() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var made = 0
        let error = await #expect(throws: LifeboatError.self) {
            try await StorageConformance.run {
                made += 1
                return FlawedStorage(
                    base: try LocalStorage.create(at: directory.appending("repo-\(made)")), flaw: .listsAnObjectTwice)
            }
        }
        #expect(made == StorageConformance.checks.count)
        let message = try #require(error?.message)
        #expect(message.contains("list returns each object of its kind exactly once"))
        #expect(message.contains("list finds 300 data objects"))
        #expect(!message.contains("getRange reads the start"))
    }
}
