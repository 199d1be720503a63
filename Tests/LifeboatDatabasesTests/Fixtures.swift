import Foundation
import LifeboatCore
import LifeboatRepository
import LifeboatStorage
import LifeboatTestSupport
import Logging

/// A repository in a fresh temp directory with a cheap scrypt cost.
struct Fixture {
    let dir: TemporaryDirectory
    let repo: Repository

    init(prefix: String = "lifeboat-stores") async throws {
        dir = try TemporaryDirectory(prefix: prefix)
        repo = try await Self.makeRepository(at: dir.appending("repo"))
    }

    static func makeRepository(at path: String) async throws -> Repository {
        try await Repository.initialize(
            storage: try LocalStorage.create(at: path), secret: .password("stores test"), logger: Logger(label: "test"), scryptN: 1 << 10)
    }

    /// A new directory inside the fixture.
    func directory(_ name: String) throws -> String {
        let path = dir.appending(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Deterministic incompressible bytes.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return generator.bytes(count)
}

/// A file's bytes, or empty.
func contents(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }
