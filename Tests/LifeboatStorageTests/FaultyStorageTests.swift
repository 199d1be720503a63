import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@Suite struct FaultyStorageTests {
    @Test func putsBeyondTheByteLimitFailWithNoSpaceAndStoreNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let base = try LocalStorage.create(at: directory.appending("repo"))
        let storage = FaultyStorage(wrapping: base, byteLimit: 1000)
        try await storage.put(ObjectName(.data, "a1"), Data(count: 600))
        let error = await #expect(throws: LifeboatError.self) {
            try await storage.put(ObjectName(.data, "b1"), Data(count: 500))
        }
        #expect(error?.code == .noSpace)
        #expect(error?.message.contains("data/b1") == true)
        #expect(try await base.stat(ObjectName(.data, "b1")) == nil)
        try await storage.put(ObjectName(.data, "c1"), Data(count: 400))
        #expect(storage.bytesWritten == 1000)
        await #expect(throws: LifeboatError.self) { try await storage.put(ObjectName(.data, "d1"), Data(count: 1)) }
        storage.byteLimit = nil
        try await storage.put(ObjectName(.data, "d1"), Data(count: 1))
        #expect(Set(try await base.list(.data).map(\.name.name)) == ["a1", "c1", "d1"])
    }

    @Test func concurrentPutsCannotOvershootTheLimit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let base = try LocalStorage.create(at: directory.appending("repo"))
        let storage = FaultyStorage(wrapping: base, byteLimit: 10_000)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<32 {
                group.addTask {
                    (try? await storage.put(ObjectName(.data, "p\(index)"), Data(count: 1000))) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 10)
        #expect(try await base.list(.data).count == 10)
        #expect(storage.bytesWritten == 10_000)
    }

    @Test(arguments: FaultyStorage.Operation.allCases)
    func theChosenCallFailsWithIOAndOthersPassThrough(_ operation: FaultyStorage.Operation) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let base = try LocalStorage.create(at: directory.appending("repo"))
        let name = ObjectName(.keys, "k1")
        try await base.put(name, Data("key".utf8))
        let storage = FaultyStorage(wrapping: base)
        storage.failCall(2, of: operation)
        func call() async throws {
            switch operation {
            case .put: try await storage.put(name, Data("key".utf8))
            case .get: _ = try await storage.get(name)
            case .getRange: _ = try await storage.getRange(name, offset: 0, length: 2)
            case .list: _ = try await storage.list(.keys)
            case .delete: try await storage.delete(ObjectName(.keys, "absent"))
            case .stat: _ = try await storage.stat(name)
            }
        }
        try await call()
        let error = await #expect(throws: LifeboatError.self) { try await call() }
        #expect(error?.code == .io)
        #expect(error?.message.contains("\(operation) call #2") == true)
        try await call()
        #expect(storage.callCount(operation) == 3)
        for other in FaultyStorage.Operation.allCases where other != operation {
            #expect(storage.callCount(other) == 0)
        }
        #expect(try await base.get(name) == Data("key".utf8))
    }

    @Test func aFailedPutReachesNothingAndCountsNoBytes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let base = try LocalStorage.create(at: directory.appending("repo"))
        let storage = FaultyStorage(wrapping: base, byteLimit: 100)
        storage.failCall(1, of: .put)
        await #expect(throws: LifeboatError.self) { try await storage.put(ObjectName(.locks, "l1"), Data(count: 10)) }
        #expect(try await base.stat(ObjectName(.locks, "l1")) == nil)
        #expect(storage.bytesWritten == 0)
        #expect(storage.location == base.location)
    }
}
