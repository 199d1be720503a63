import Foundation
import LifeboatConfig
import LifeboatCore

/// Reads tokens and client secrets from where the configuration says; the value is never put in a message.
enum SecretReader {
    /// The secret from a file's first line or an environment variable.
    static func read(_ source: SecretSource, environment: [String: String], what: String) throws -> String {
        switch source {
        case .file(let path): return try firstLine(of: path, what: what)
        case .environment(let name):
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw LifeboatError(.invalidArgument, "\(what): environment variable \(name) is not set or empty")
            }
            return value
        }
    }

    /// The first line of a file, trimmed; empty is an error.
    static func firstLine(of path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw LifeboatError(.invalidArgument, "cannot read \(what) file \(path): \(reason)")
        }
        let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw LifeboatError(.invalidArgument, "\(what) file \(path) is empty") }
        return trimmed
    }
}
