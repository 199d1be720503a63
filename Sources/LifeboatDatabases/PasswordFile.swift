import Foundation
import LifeboatCore

/// Password files named in a store's configuration.
enum PasswordFile {
    /// The first line of a file (a password file), or a clear error.
    static func firstLine(ofFile path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LifeboatError(
                .invalidArgument,
                "cannot read the \(what) \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
        }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let trimmed = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        guard !trimmed.isEmpty else { throw LifeboatError(.invalidArgument, "the \(what) \(path) is empty") }
        return trimmed
    }
}
