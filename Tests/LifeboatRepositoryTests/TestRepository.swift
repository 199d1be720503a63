import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatRepository
import LifeboatStorage
import LifeboatTestSupport
import Logging

/// A repository in a fresh temp directory, with a cheap scrypt cost so tests stay fast.
struct TestRepository {
    let dir: TemporaryDirectory
    let storage: LocalStorage
    let repo: Repository
    static let password = "correct horse battery staple"

    init(storage wrap: ((LocalStorage) -> any ObjectStorage)? = nil) async throws {
        dir = try TemporaryDirectory(prefix: "lifeboat-repo")
        storage = try LocalStorage.create(at: dir.appending("repo"))
        let backend: any ObjectStorage = wrap?(storage) ?? storage
        repo = try await Repository.initialize(
            storage: backend, secret: .password(Self.password), logger: Logger(label: "test"), scryptN: 1 << 10)
    }

    var repoPath: String { dir.appending("repo") }

    /// Opens the same repository again, optionally through another storage wrapper.
    func reopen(_ backend: (any ObjectStorage)? = nil, password: String = TestRepository.password) async throws -> Repository {
        try await Repository.open(storage: backend ?? storage, secret: .password(password), logger: Logger(label: "test"))
    }

    /// A new empty directory inside the test's temp directory.
    func makeDirectory(_ name: String) throws -> String {
        let path = dir.appending(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Every stored file under a kind folder of the repository.
    func files(_ kind: String) throws -> [String] {
        let base = repoPath + "/" + kind
        guard let e = FileManager.default.enumerator(atPath: base) else { return [] }
        return e.compactMap { $0 as? String }.filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: base + "/" + $0, isDirectory: &isDir) && !isDir.boolValue
        }.map { base + "/" + $0 }
    }
}
