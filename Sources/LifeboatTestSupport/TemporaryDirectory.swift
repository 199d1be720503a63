import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fresh, empty directory under `/tmp` for one test; call ``remove()`` when done.
///
/// ```swift
/// let directory = try TemporaryDirectory()
/// defer { directory.remove() }
/// let storage = try LocalStorage.create(at: directory.appending("repo"))
/// ```
public struct TemporaryDirectory: Sendable {
    /// The absolute path of the directory.
    public let path: String

    /// Creates a uniquely named directory `/tmp/<prefix>-XXXXXX`.
    public init(prefix: String = "lifeboat-test") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard created else {
            let reason = String(cString: strerror(errno))
            throw LifeboatError(.io, "could not create a temporary directory /tmp/\(prefix)-XXXXXX: \(reason)")
        }
        path = template.withUnsafeBufferPointer { buffer in
            String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The path of `relative` inside the directory (nothing is created).
    public func appending(_ relative: String) -> String {
        relative.isEmpty ? path : path + "/" + relative
    }

    /// Deletes the directory and everything in it; failures are ignored, it is only /tmp.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
