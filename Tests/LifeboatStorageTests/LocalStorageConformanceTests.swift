import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@Suite struct LocalStorageConformanceTests {
    @Test(arguments: StorageConformance.checks)
    func conforms(_ check: StorageConformance.Check) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await check.run(on: LocalStorage.create(at: directory.appending("repo")))
    }

    @Test func wholeSuitePassesThroughFaultyStorageWithoutFaults() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var made = 0
        try await StorageConformance.run {
            made += 1
            return FaultyStorage(wrapping: try LocalStorage.create(at: directory.appending("repo-\(made)")))
        }
        #expect(made == StorageConformance.checks.count)
    }
}
