import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct LocalStorageTests {
    private let id = String(repeating: "ab12", count: 16)

    /// Every file under `path`, hidden ones included, relative to it.
    private func allFiles(under path: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: path))
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    private func expectCode(_ code: LifeboatError.Code, _ body: () async throws -> Void) async -> LifeboatError? {
        let error = await #expect(throws: LifeboatError.self) { try await body() }
        #expect(error?.code == code, "\(error?.message ?? "no error")")
        return error
    }

    @Test func objectsLandAtTheDocumentedPaths() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("repo")
        let storage = try LocalStorage.create(at: root)
        try await storage.put(ObjectName(.config, "config"), Data("c".utf8))
        try await storage.put(ObjectName(.keys, "k1"), Data("k".utf8))
        try await storage.put(ObjectName(.index, "i1"), Data("i".utf8))
        try await storage.put(ObjectName(.snapshots, "s1"), Data("s".utf8))
        try await storage.put(ObjectName(.locks, "l1"), Data("l".utf8))
        try await storage.put(ObjectName(.data, id), Data("d".utf8))
        try await storage.put(ObjectName(.data, "x"), Data("x".utf8))
        #expect(
            try allFiles(under: root) == ["config", "data/ab/\(id)", "data/x/x", "index/i1", "keys/k1", "locks/l1", "snapshots/s1"])
        #expect(try String(contentsOfFile: root + "/data/ab/" + id, encoding: .utf8) == "d")
        #expect(storage.location == root)
    }

    @Test func trailingSlashIsDroppedAndReopeningSeesTheObjects() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let created = try LocalStorage.create(at: directory.appending("repo") + "/")
        #expect(created.root == directory.appending("repo"))
        try await created.put(ObjectName(.snapshots, "s1"), Data("one".utf8))
        let reopened = try LocalStorage(path: directory.appending("repo"))
        #expect(try await reopened.get(ObjectName(.snapshots, "s1")) == Data("one".utf8))
    }

    @Test func createRefusesANonEmptyDirectory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("repo")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // Even a hidden file makes it non-empty: it may be someone else's data.
        #expect(FileManager.default.createFile(atPath: root + "/.keep", contents: Data()))
        let error = await expectCode(.alreadyExists) { _ = try LocalStorage.create(at: root) }
        #expect(error?.message.contains(root) == true)
        #expect(try allFiles(under: root) == [".keep"])
    }

    @Test func createRefusesAFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("file")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        _ = await expectCode(.alreadyExists) { _ = try LocalStorage.create(at: path) }
    }

    @Test func createAcceptsAnEmptyDirectoryAndMissingParents() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try LocalStorage.create(at: directory.path)
        _ = try LocalStorage.create(at: directory.appending("a/b/c"))
        for root in [directory.path, directory.appending("a/b/c")] {
            for folder in ["keys", "index", "snapshots", "locks", "data"] {
                var isDirectory: ObjCBool = false
                #expect(FileManager.default.fileExists(atPath: root + "/" + folder, isDirectory: &isDirectory))
                #expect(isDirectory.boolValue)
            }
        }
    }

    @Test func openingAMissingDirectoryIsNotARepository() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("nothing-here")
        let error = await expectCode(.notARepository) { _ = try LocalStorage(path: path) }
        #expect(error?.message.contains(path) == true)
    }

    @Test func crashLeftoversAreNeitherListedNorReadable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("repo")
        let storage = try LocalStorage.create(at: root)
        try await storage.put(ObjectName(.data, id), Data("whole".utf8))
        // What a writer killed between write and rename leaves behind.
        let leftovers = ["keys/.tmp-dead01", "data/ab/.tmp-dead02", ".tmp-dead03", "snapshots/.tmp-dead04"]
        for leftover in leftovers {
            #expect(FileManager.default.createFile(atPath: root + "/" + leftover, contents: Data("half".utf8)))
        }
        // And a file in the wrong fan-out folder, which no get could reach.
        try FileManager.default.createDirectory(atPath: root + "/data/zz", withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: root + "/data/zz/" + id, contents: Data("stray".utf8)))

        #expect(try await storage.list(.keys).isEmpty)
        #expect(try await storage.list(.snapshots).isEmpty)
        #expect(try await storage.list(.config).isEmpty)
        #expect(try await storage.list(.data).map(\.name) == [ObjectName(.data, id)])
        _ = await expectCode(.invalidArgument) { _ = try await storage.get(ObjectName(.keys, ".tmp-dead01")) }
        _ = await expectCode(.invalidArgument) { _ = try await storage.stat(ObjectName(.snapshots, ".tmp-dead04")) }
        _ = await expectCode(.notFound) { _ = try await storage.get(ObjectName(.config, "config")) }
    }

    @Test func removeStaleTemporaryFilesDeletesOnlyOldOnes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("repo")
        let storage = try LocalStorage.create(at: root)
        try await storage.put(ObjectName(.data, id), Data("keep".utf8))
        let old = ["keys/.tmp-old1", "data/ab/.tmp-old2", ".tmp-old3"]
        let fresh = ["index/.tmp-fresh"]
        let twoHoursAgo = Date().addingTimeInterval(-7200)
        for path in old + fresh {
            #expect(FileManager.default.createFile(atPath: root + "/" + path, contents: Data("x".utf8)))
        }
        for path in old {
            try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: root + "/" + path)
        }
        #expect(try storage.removeStaleTemporaryFiles(olderThan: 3600) == old.count)
        #expect(try allFiles(under: root) == ["data/ab/\(id)", "index/.tmp-fresh"])
        #expect(try storage.removeStaleTemporaryFiles(olderThan: 3600) == 0)
    }

    @Test func putLeavesNoTemporaryFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("repo")
        let storage = try LocalStorage.create(at: root)
        for index in 0..<20 {
            try await storage.put(ObjectName(.index, "i\(index % 5)"), Data(repeating: UInt8(index), count: index * 100))
        }
        #expect(try allFiles(under: root) == (0..<5).map { "index/i\($0)" })
    }

    @Test func negativeRangesAreInvalid() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storage = try LocalStorage.create(at: directory.appending("repo"))
        let name = ObjectName(.data, id)
        try await storage.put(name, Data("0123456789".utf8))
        _ = await expectCode(.invalidArgument) { _ = try await storage.getRange(name, offset: -1, length: 2) }
        _ = await expectCode(.invalidArgument) { _ = try await storage.getRange(name, offset: 2, length: -1) }
        #expect(try await storage.getRange(name, offset: 8, length: Int.max) == Data("89".utf8))
    }

    @Test func aFileWhereAnObjectFolderShouldBeIsAnIOError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("repo")
        let storage = try LocalStorage.create(at: root)
        try FileManager.default.removeItem(atPath: root + "/locks")
        #expect(FileManager.default.createFile(atPath: root + "/locks", contents: Data()))
        let error = await expectCode(.io) { try await storage.put(ObjectName(.locks, "l1"), Data("x".utf8)) }
        #expect(error?.message.contains(root + "/locks") == true)
    }

    @Test func missingKindFolderIsCreatedOnFirstPut() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("repo")
        let storage = try LocalStorage.create(at: root)
        try FileManager.default.removeItem(atPath: root + "/snapshots")
        #expect(try await storage.list(.snapshots).isEmpty)
        try await storage.put(ObjectName(.snapshots, "s1"), Data("s".utf8))
        #expect(try await storage.list(.snapshots).map(\.name.name) == ["s1"])
    }
}

/// Packs streamed into the repository as they fill (``LocalStorage/makeStreamWriter()``).
@Suite struct LocalStreamWriterTests {
    private func randomData(_ count: Int, _ rng: inout SeededGenerator) -> Data {
        Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    private func temporaryFiles(under path: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: path).filter { $0.split(separator: "/").last?.hasPrefix(".tmp-") == true }
    }

    /// Pieces of every size, across the 1 MiB write pieces and ending off the alignment,
    /// come back byte for byte under the committed name, and nothing is visible before.
    @Test(arguments: [UInt64(1), 2, 3])
    func streamedObjectReadsBackWhole(seed: UInt64) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storage = try LocalStorage.create(at: directory.appending("repo"))
        var rng = SeededGenerator(seed: seed)
        let writer = try #require(try storage.makeStreamWriter())
        var expected = Data()
        for _ in 0..<12 {
            let piece = randomData(Int.random(in: 1...(600 << 10), using: &rng), &rng)
            try await writer.write(piece)
            expected.append(piece)
        }
        #expect(writer.count == expected.count)
        #expect(try await storage.list(.data).isEmpty, "a streamed object is invisible until committed")
        let name = ObjectName(.data, String(format: "%064x", seed))
        try await writer.commit(as: name)
        try await storage.flush()
        #expect(try await storage.get(name) == expected)
        #expect(try await storage.stat(name)?.size == expected.count)
        #expect(try await storage.list(.data).map(\.name) == [name])
        #expect(try temporaryFiles(under: storage.root) == [])
    }

    /// An abandoned object, and one committed under a bad name, leave nothing behind.
    @Test func abandonedAndBadlyNamedObjectsLeaveNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storage = try LocalStorage.create(at: directory.appending("repo"))
        var rng = SeededGenerator(seed: 9)
        let abandoned = try #require(try storage.makeStreamWriter())
        try await abandoned.write(randomData(3 << 20, &rng))
        await abandoned.abandon()
        let misnamed = try #require(try storage.makeStreamWriter())
        try await misnamed.write(randomData(1000, &rng))
        let error = await #expect(throws: LifeboatError.self) { try await misnamed.commit(as: ObjectName(.data, "../escape")) }
        #expect(error?.code == .invalidArgument)
        let wrongKind = try #require(try storage.makeStreamWriter())
        try await wrongKind.write(randomData(1000, &rng))
        let kindError = await #expect(throws: LifeboatError.self) {
            try await wrongKind.commit(as: ObjectName(.index, String(repeating: "ab", count: 32)))
        }
        #expect(kindError?.code == .invalidArgument)
        #expect(try await storage.list(.data).isEmpty)
        #expect(try await storage.list(.index).isEmpty)
        #expect(try temporaryFiles(under: storage.root) == [])
    }
}
