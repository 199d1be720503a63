import Foundation
import LifeboatCore
import LifeboatStorage

/// The shared suite every ``ObjectStorage`` backend must pass: one check per rule of the protocol.
///
/// Each check takes a fresh, empty storage and throws a ``LifeboatError`` with code
/// `.internalError` (naming the check and what was wrong) when the backend breaks a rule;
/// errors the backend throws where none was expected pass through unchanged. The suite
/// knows nothing of any backend, so it runs against local directories and S3 alike.
///
/// ```swift
/// @Test(arguments: StorageConformance.checks)
/// func conforms(_ check: StorageConformance.Check) async throws {
///     try await check.run(on: makeFreshStorage())
/// }
/// ```
/// What it cannot check: durability across power loss, and `.noSpace` (which needs a
/// full device); backends test those themselves.
public enum StorageConformance {
    /// One named check of the suite.
    public struct Check: Sendable, CustomStringConvertible {
        /// What the check verifies, e.g. "delete is idempotent".
        public let name: String
        private let body: @Sendable (any ObjectStorage) async throws -> Void

        init(_ name: String, _ body: @escaping @Sendable (any ObjectStorage) async throws -> Void) {
            self.name = name
            self.body = body
        }

        /// Runs the check on `storage`, which must be empty; throws on the first violation.
        public func run(on storage: any ObjectStorage) async throws {
            do {
                try await body(storage)
            } catch let violation as Violation {
                throw LifeboatError(
                    .internalError,
                    "storage conformance check \"\(name)\" failed on \(storage.location): \(violation.message)")
            }
        }

        /// The check's name, so parameterized tests show it.
        public var description: String { name }
    }

    /// Every check, in a stable order.
    public static let checks: [Check] = [
        Check("a fresh storage lists nothing", checkEmpty),
        Check("put and get round-trip empty, small and 5 MiB objects", checkRoundTrip),
        Check("put replaces an existing object", checkOverwrite),
        Check("getRange reads the start, middle and end, and stops at the end", checkGetRange),
        Check("get and getRange of a missing object throw notFound; stat returns nil", checkMissing),
        Check("delete is idempotent", checkDeleteIdempotent),
        Check("list returns each object of its kind exactly once, kinds kept apart", checkListPerKind),
        Check("list finds 300 data objects", checkManyDataObjects),
        Check("32 concurrent puts all land", checkConcurrentPuts),
        Check("concurrent readers see only whole versions while an object is replaced", checkAtomicReplace),
        Check("invalid names are rejected with invalidArgument and create nothing", checkInvalidNames),
        Check("stat reports the size and a plausible modification time", checkStat),
    ]

    /// Runs every check, each on its own storage from `makeStorage`; throws one error listing all failures.
    public static func run(_ makeStorage: () async throws -> any ObjectStorage) async throws {
        var failures: [String] = []
        for check in checks {
            let storage = try await makeStorage()
            do {
                try await check.run(on: storage)
            } catch {
                failures.append("\(check.name): \(error)")
            }
        }
        guard failures.isEmpty else {
            throw LifeboatError(
                .internalError,
                "\(failures.count) of \(checks.count) storage conformance checks failed:\n" + failures.joined(separator: "\n"))
        }
    }

    // MARK: - Checks

    static func checkEmpty(_ storage: any ObjectStorage) async throws {
        for kind in ObjectKind.allCases {
            let listed = try await storage.list(kind)
            try expect(listed.isEmpty, "list(.\(kind)) of a fresh storage returned \(listed.count) objects")
        }
    }

    static func checkRoundTrip(_ storage: any ObjectStorage) async throws {
        let objects: [(ObjectName, Data)] = [
            (ObjectName(.data, hexName(1)), Data()),
            (ObjectName(.data, hexName(2)), bytes(100, seed: 2)),
            (ObjectName(.data, hexName(3)), bytes(5 << 20, seed: 3)),
            (ObjectName(.keys, "key-1"), bytes(300, seed: 4)),
            (ObjectName(.config, "config"), bytes(200, seed: 5)),
            (ObjectName(.snapshots, String(repeating: "s", count: ObjectName.maximumLength)), bytes(10, seed: 6)),
        ]
        for (name, data) in objects {
            try await storage.put(name, data)
        }
        for (name, data) in objects {
            try expectEqual(try await storage.get(name), data, "get(\(name))")
            let info = try await storage.stat(name)
            try expect(info?.size == data.count, "stat(\(name)) size is \(describe(info?.size)), expected \(data.count)")
        }
    }

    static func checkOverwrite(_ storage: any ObjectStorage) async throws {
        let name = ObjectName(.index, hexName(7))
        let first = bytes(4096, seed: 7)
        let second = bytes(1000, seed: 8)
        try await storage.put(name, first)
        try await storage.put(name, second)
        try expectEqual(try await storage.get(name), second, "get(\(name)) after a smaller overwrite")
        let size = try await storage.stat(name)?.size
        try expect(size == second.count, "stat(\(name)) after overwrite: size \(describe(size)), expected \(second.count)")
        let listed = try await storage.list(.index)
        try expect(
            listed.map(\.name) == [name], "list(.index) after overwrite returned \(listed.map(\.name.name)), expected [\(name.name)]")
        let third = bytes(9000, seed: 9)
        try await storage.put(name, third)
        try expectEqual(try await storage.get(name), third, "get(\(name)) after a larger overwrite")
    }

    static func checkGetRange(_ storage: any ObjectStorage) async throws {
        let name = ObjectName(.data, hexName(10))
        let data = bytes(10_000, seed: 10)
        try await storage.put(name, data)
        let cases: [(offset: Int, length: Int, expected: Range<Int>)] = [
            (0, 100, 0..<100),
            (0, 10_000, 0..<10_000),
            (4321, 1234, 4321..<5555),
            (9900, 100, 9900..<10_000),
            (9950, 100, 9950..<10_000),
            (0, 20_000, 0..<10_000),
            (5000, 0, 5000..<5000),
            (10_000, 10, 10_000..<10_000),
            (12_345, 10, 10_000..<10_000),
        ]
        for test in cases {
            let got = try await storage.getRange(name, offset: test.offset, length: test.length)
            try expectEqual(
                got, data.subdata(in: test.expected),
                "getRange(\(name), offset: \(test.offset), length: \(test.length)) of a 10000-byte object")
        }
        let empty = ObjectName(.data, hexName(11))
        try await storage.put(empty, Data())
        let got = try await storage.getRange(empty, offset: 0, length: 10)
        try expect(got.isEmpty, "getRange of an empty object returned \(got.count) bytes")
    }

    static func checkMissing(_ storage: any ObjectStorage) async throws {
        let present = ObjectName(.data, hexName(12))
        try await storage.put(present, bytes(10, seed: 12))
        // A missing name next to a present one and a missing name in an empty kind.
        for name in [ObjectName(.data, hexName(13)), ObjectName(.snapshots, "missing"), ObjectName(.config, "config")] {
            try await expectError(.notFound, "get(\(name)) of a missing object") { _ = try await storage.get(name) }
            try await expectError(.notFound, "getRange(\(name)) of a missing object") {
                _ = try await storage.getRange(name, offset: 0, length: 1)
            }
            let info = try await storage.stat(name)
            try expect(info == nil, "stat(\(name)) of a missing object returned \(describe(info))")
        }
    }

    static func checkDeleteIdempotent(_ storage: any ObjectStorage) async throws {
        let name = ObjectName(.locks, "lock-1")
        let other = ObjectName(.locks, "lock-2")
        try await storage.delete(name)
        try await storage.put(name, bytes(50, seed: 14))
        try await storage.put(other, bytes(60, seed: 15))
        try await storage.delete(name)
        let info = try await storage.stat(name)
        try expect(info == nil, "stat(\(name)) after delete returned \(describe(info))")
        try await expectError(.notFound, "get(\(name)) after delete") { _ = try await storage.get(name) }
        try await storage.delete(name)
        let listed = try await storage.list(.locks).map(\.name)
        try expect(listed == [other], "list(.locks) after deleting \(name.name) returned \(listed.map(\.name))")
        try expectEqual(try await storage.get(other), bytes(60, seed: 15), "get(\(other)) after deleting its neighbour")
    }

    static func checkListPerKind(_ storage: any ObjectStorage) async throws {
        var expected: [ObjectKind: [String: Int]] = [:]
        for (index, kind) in ObjectKind.allCases.enumerated() {
            // The same names in every kind: a backend that mixes kinds up lists them twice.
            let names = kind == .config ? ["config"] : ["shared", hexName(100 + index), "\(kind.rawValue)-only"]
            for (offset, name) in names.enumerated() {
                let size = 10 * index + offset
                try await storage.put(ObjectName(kind, name), bytes(size, seed: UInt64(size)))
                expected[kind, default: [:]][name] = size
            }
        }
        for kind in ObjectKind.allCases {
            let listed = try await storage.list(kind)
            var seen: [String: Int] = [:]
            for info in listed {
                try expect(info.name.kind == kind, "list(.\(kind)) returned \(info.name), of another kind")
                try expect(seen[info.name.name] == nil, "list(.\(kind)) returned \(info.name) more than once")
                seen[info.name.name] = info.size
            }
            try expect(
                seen == expected[kind, default: [:]],
                "list(.\(kind)) returned names and sizes \(seen.sorted { $0.key < $1.key }), expected \(expected[kind, default: [:]].sorted { $0.key < $1.key })"
            )
        }
    }

    static func checkManyDataObjects(_ storage: any ObjectStorage) async throws {
        let count = 300
        let names = (0..<count).map { hexName(1000 + $0) }
        try await forEachConcurrently(Array(names.enumerated()), width: 16) { index, name in
            try await storage.put(ObjectName(.data, name), bytes(index % 50, seed: UInt64(index)))
        }
        let listed = try await storage.list(.data)
        try expect(listed.count == count, "list(.data) returned \(listed.count) objects after \(count) puts")
        var sizes: [String: Int] = [:]
        for info in listed { sizes[info.name.name] = info.size }
        try expect(sizes.count == count, "list(.data) returned \(count - sizes.count) duplicates among \(count) objects")
        for (index, name) in names.enumerated() {
            try expect(
                sizes[name] == index % 50,
                "list(.data) gave \(name) size \(describe(sizes[name])), expected \(index % 50)")
        }
    }

    static func checkConcurrentPuts(_ storage: any ObjectStorage) async throws {
        let count = 32
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await storage.put(ObjectName(.snapshots, "snapshot-\(index)"), bytes(1000 + index, seed: UInt64(index)))
                }
            }
            try await group.waitForAll()
        }
        let listed = try await storage.list(.snapshots)
        try expect(listed.count == count, "list(.snapshots) returned \(listed.count) objects after \(count) concurrent puts")
        for index in 0..<count {
            let name = ObjectName(.snapshots, "snapshot-\(index)")
            try expectEqual(try await storage.get(name), bytes(1000 + index, seed: UInt64(index)), "get(\(name))")
        }
    }

    static func checkAtomicReplace(_ storage: any ObjectStorage) async throws {
        let name = ObjectName(.data, hexName(20))
        let versions = (0..<8).map { bytes(256 << 10, seed: 200 + UInt64($0)) }
        try await storage.put(name, versions[0])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for version in versions.dropFirst() {
                group.addTask { try await storage.put(name, version) }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<8 {
                        let got = try await storage.get(name)
                        try expect(
                            versions.contains(got),
                            "get(\(name)) during concurrent replacement returned \(got.count) bytes matching no version that was put")
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await storage.get(name)
        try expect(versions.contains(final), "get(\(name)) after concurrent replacement matches no version that was put")
        let listed = try await storage.list(.data)
        try expect(listed.count == 1, "list(.data) after concurrent replacement returned \(listed.count) objects, expected 1")
    }

    static func checkInvalidNames(_ storage: any ObjectStorage) async throws {
        let badNames = [
            "", ".", "..", "../x", "../../etc/passwd", "a/b", "/absolute", "a\\b", ".hidden", ".tmp-123",
            "a b", "a\u{0}b", "tab\there", "caf\u{e9}", "x?y", String(repeating: "a", count: ObjectName.maximumLength + 1),
        ]
        var names = [ObjectKind.data, .keys, .snapshots].flatMap { kind in badNames.map { ObjectName(kind, $0) } }
        names.append(ObjectName(.config, "other"))
        for name in names {
            let shown = "\(name.kind.rawValue)/\(name.name.debugDescription)"
            try await expectError(.invalidArgument, "put(\(shown))") { try await storage.put(name, bytes(5, seed: 1)) }
            try await expectError(.invalidArgument, "get(\(shown))") { _ = try await storage.get(name) }
            try await expectError(.invalidArgument, "getRange(\(shown))") {
                _ = try await storage.getRange(name, offset: 0, length: 1)
            }
            try await expectError(.invalidArgument, "stat(\(shown))") { _ = try await storage.stat(name) }
            try await expectError(.invalidArgument, "delete(\(shown))") { try await storage.delete(name) }
        }
        for kind in ObjectKind.allCases {
            let listed = try await storage.list(kind)
            try expect(listed.isEmpty, "list(.\(kind)) after rejected puts returned \(listed.map(\.name.name))")
        }
    }

    static func checkStat(_ storage: any ObjectStorage) async throws {
        let name = ObjectName(.keys, "key-stat")
        let before = Date()
        try await storage.put(name, bytes(777, seed: 21))
        let info = try await storage.stat(name)
        try expect(info?.name == name, "stat(\(name)) returned the name \(describe(info?.name))")
        try expect(info?.size == 777, "stat(\(name)) returned size \(describe(info?.size)), expected 777")
        // Allows for clock skew between this host and a remote store.
        if let modified = info?.modified {
            try expect(
                abs(modified.timeIntervalSince(before)) < 3600,
                "stat(\(name)) gave modification time \(modified) for an object written at \(before)")
        }
        let listed = try await storage.list(.keys)
        try expect(
            listed.count == 1 && listed.first?.size == 777,
            "list(.keys) returned \(listed.map { "\($0.name.name): \($0.size) bytes" }), expected key-stat: 777 bytes")
    }

    // MARK: - Helpers

    /// A broken rule, turned into a ``LifeboatError`` naming the check by ``Check/run(on:)``.
    struct Violation: Error {
        let message: String
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Violation(message: message()) }
    }

    static func expectEqual(_ got: Data, _ expected: Data, _ what: String) throws {
        guard got != expected else { return }
        let common = min(got.count, expected.count)
        let firstDifference = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? common
        throw Violation(
            message: "\(what) returned \(got.count) bytes, expected \(expected.count); first difference at offset \(firstDifference)")
    }

    static func expectError(
        _ code: LifeboatError.Code, _ what: String, _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch let error as LifeboatError {
            try expect(error.code == code, "\(what) threw \(error.code) (\(error.message)), expected \(code)")
            return
        } catch {
            throw Violation(message: "\(what) threw \(type(of: error)) \(error), expected a LifeboatError with code \(code)")
        }
        throw Violation(message: "\(what) succeeded, expected it to throw \(code)")
    }

    static func describe<Value>(_ value: Value?) -> String {
        value.map { "\($0)" } ?? "nil"
    }

    /// `count` pseudo-random bytes, the same for the same seed; filled eight bytes at a time.
    static func bytes(_ count: Int, seed: UInt64) -> Data {
        var data = Data(count: count)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        data.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                if buffer.count - offset >= 8 {
                    buffer.storeBytes(of: state.littleEndian, toByteOffset: offset, as: UInt64.self)
                } else {
                    var word = state
                    for index in offset..<buffer.count {
                        buffer[index] = UInt8(truncatingIfNeeded: word)
                        word >>= 8
                    }
                }
                offset += 8
            }
        }
        return data
    }

    /// A 64-character hex name like a content id, different for each `seed`.
    static func hexName(_ seed: Int) -> String {
        Hex.encode(bytes(32, seed: UInt64(seed) &+ 0xABCD))
    }

    /// Runs `body` for every element with at most `width` running at once.
    static func forEachConcurrently<Element: Sendable>(
        _ elements: [Element], width: Int, _ body: @escaping @Sendable (Element) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = elements.makeIterator()
            for _ in 0..<width {
                guard let element = iterator.next() else { break }
                group.addTask { try await body(element) }
            }
            while try await group.next() != nil {
                if let element = iterator.next() {
                    group.addTask { try await body(element) }
                }
            }
        }
    }
}
