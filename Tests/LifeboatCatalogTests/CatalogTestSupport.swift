import Foundation
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatCatalog

/// A fixed instant on a whole second, so stored times (kept to the millisecond) compare equal.
let baseTime = Date(timeIntervalSince1970: 1_800_000_000)

/// The time `seconds` after ``baseTime``.
func time(_ seconds: Int) -> Date {
    baseTime.addingTimeInterval(TimeInterval(seconds))
}

/// A valid snapshot id (64 hex characters) made from `n`.
func snapshotID(_ n: Int) -> String {
    let digits = String(n, radix: 16)
    return String(repeating: "0", count: 64 - digits.count) + digits
}

/// Runs `body` with a catalog file in a fresh temporary directory, removed afterwards.
func withCatalog<T>(_ body: (Catalog, TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory(prefix: "lifeboat-catalog")
    defer { directory.remove() }
    let catalog = try Catalog(path: directory.appending("catalog.db"))
    return try await body(catalog, directory)
}

/// Expects `body` to throw a ``LifeboatError`` with `code` whose message contains every fragment.
func expectError(
    _ code: LifeboatError.Code, containing fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a \(code) error, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as LifeboatError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(
                error.message.contains(fragment), "\(error.message.debugDescription) lacks \(fragment.debugDescription)",
                sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a LifeboatError, got \(error)", sourceLocation: sourceLocation)
    }
}
