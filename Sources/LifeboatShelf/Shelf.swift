import Dispatch
import Foundation
import LifeboatCore

/// A node's own backup shelf: one latest copy of each single-process store in a directory,
/// refreshed every interval (the Nuts node's `storage.bbolt.backup` model).
///
/// ```swift
/// let shelf = try Shelf(
///     directory: "/opt/nuts/shelf", interval: "1h",
///     stores: [.sqlite(module: "network", name: "data", database: datadir + "/network/data.db")])
/// let task = Task { await shelf.run() }   // cancel it at shutdown
/// ```
///
/// Terms: the *shelf directory* holds one sub-directory per *module* (component, named as in
/// the datadir), each holding `<store>.db` (latest copy) and `<store>.db.previous` (the one
/// before). The shelf is off unless both a directory and an interval are set (`0` means off,
/// as in Nuts); an invalid interval fails in `init`. Each store has its own ticker; the
/// first copy is written one interval after ``run()`` starts.
public final class Shelf: Sendable {
    /// The shelf directory, nil when unset.
    public let directory: String?
    /// The time between copies, nil when unset or `0`.
    public let interval: Interval?
    /// The stores copied, in order.
    public let stores: [ShelfStore]
    /// Receives every finished or failed copy.
    private let report: @Sendable (ShelfEvent) -> Void
    /// Runs the blocking file work one copy at a time, off the cooperative thread pool.
    private let queue = DispatchQueue(label: "lifeboat.shelf")

    /// Validates the settings and stores; throws `.invalidArgument` for an invalid interval or
    /// store name, and `.io` when an enabled shelf cannot create its directory.
    ///
    /// - Parameters:
    ///   - directory: where copies go; nil or empty leaves the shelf off.
    ///   - interval: a number and unit (`30s`, `10m`, `1h`); nil, empty or `0` leaves the shelf off.
    ///   - stores: the stores to copy; module and name must be plain names, unique together.
    ///   - report: called after each copy made by ``run()`` or ``backupNow()``.
    public init(
        directory: String?, interval: String?, stores: [ShelfStore],
        report: @escaping @Sendable (ShelfEvent) -> Void = { _ in }
    ) throws {
        let directoryText = directory?.trimmingCharacters(in: .whitespaces) ?? ""
        self.directory = directoryText.isEmpty ? nil : directoryText
        self.interval = try Self.parseInterval(interval)
        var seen = Set<String>()
        for store in stores {
            try store.validate()
            guard seen.insert(store.relativePath).inserted else {
                throw LifeboatError(.invalidArgument, "shelf store \(store.relativePath) is listed twice; list each store once")
            }
        }
        self.stores = stores
        self.report = report
        if isEnabled, let directoryPath = self.directory { try ShelfFile.makeDirectory(directoryPath) }
    }

    /// Whether both a directory and an interval are set, so ``run()`` makes copies.
    public var isEnabled: Bool { directory != nil && interval != nil }

    /// Copies every store each interval until the task is cancelled; returns at once when off.
    ///
    /// A failed copy is reported and tried again at the next tick; it never stops the shelf.
    public func run() async {
        guard isEnabled, let interval else { return }
        await withTaskGroup(of: Void.self) { group in
            for store in stores {
                group.addTask {
                    while true {
                        do {
                            try await Task.sleep(for: .seconds(interval.seconds))
                        } catch {
                            return
                        }
                        _ = try? await self.backUp(store)
                    }
                }
            }
        }
    }

    /// Copies every store now, one after another, and returns the copies; used by tests and
    /// by nodes before a planned stop. Needs a directory (not an interval); throws the first failure.
    @discardableResult
    public func backupNow() async throws -> [ShelfBackup] {
        guard directory != nil else {
            throw LifeboatError(.invalidArgument, "the shelf has no directory; set a shelf directory to make copies")
        }
        var backups: [ShelfBackup] = []
        for store in stores { backups.append(try await backUp(store)) }
        return backups
    }

    /// Copies one store on the shelf's queue and reports the outcome.
    private func backUp(_ store: ShelfStore) async throws -> ShelfBackup {
        guard let directory else { throw LifeboatError(.internalError, "shelf copy without a directory") }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<ShelfBackup, LifeboatError>, Never>) in
            queue.async {
                do {
                    continuation.resume(returning: .success(try ShelfFile.replace(store, in: directory)))
                } catch {
                    continuation.resume(returning: .failure(LifeboatError.wrap(error, "shelf: copying \(store.relativePath)")))
                }
            }
        }
        switch result {
        case .success(let backup):
            report(.backedUp(backup))
            return backup
        case .failure(let error):
            report(.failed(module: store.module, name: store.name, error: error))
            throw error
        }
    }

    /// Parses the interval setting: unset, empty or a zero duration is off; anything else must be valid.
    static func parseInterval(_ text: String?) throws -> Interval? {
        let trimmed = text?.trimmingCharacters(in: .whitespaces) ?? ""
        if trimmed.isEmpty || isZeroDuration(trimmed) { return nil }
        do {
            return try Interval(trimmed)
        } catch let error as LifeboatError {
            let advice = error.message.contains("use s, m or h") ? "" : "; write a number and a unit, e.g. 30s, 10m or 1h"
            throw LifeboatError(.invalidArgument, "shelf backup \(error.message)\(advice)", cause: error)
        }
    }

    /// Whether the text is a zero duration such as `0`, `0s` or `0h0m` (the Nuts default, off).
    private static func isZeroDuration(_ text: String) -> Bool {
        let units: Set<Character> = ["h", "m", "s", "n", "u", "µ", "μ"]
        var sawZero = false
        for character in text {
            if character == "0" {
                sawZero = true
            } else if character != "." && !units.contains(character) {
                return false
            }
        }
        return sawZero && text.first == "0"
    }
}
