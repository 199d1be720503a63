import Foundation
import LifeboatCore
import Logging

/// Writes PEM keys in the Nuts layout: `<directory>/<name>_private.pem`, files 0600 in a 0700 directory.
enum FilesystemKeyRestore {
    /// Refuses names that would leave the key directory or hide a file.
    static func checkName(_ name: String) throws {
        guard !name.isEmpty, !name.contains("/"), !name.contains("\0"), name != ".", name != "..", !name.hasPrefix(".") else {
            throw LifeboatError(.corrupted, "key name \"\(name)\" in the dump is not a valid file name; refusing to restore it")
        }
    }

    /// Writes every key; if any existing file differs and `force` is false, nothing is written.
    static func write(
        _ keys: [(name: String, pem: String)], into directory: String, force: Bool, logger: Logger
    ) throws -> IdentityRestoreSummary {
        var summary = IdentityRestoreSummary(target: directory)
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw LifeboatError(.invalidArgument, "key directory \(directory) exists and is not a directory")
            }
        } else {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var existing: [String: [UInt8]] = [:]
        for key in keys {
            if let data = manager.contents(atPath: path(key.name, in: directory)) { existing[key.name] = Array(data) }
        }
        let conflicts = keys.filter { key in existing[key.name].map { $0 != Array(key.pem.utf8) } ?? false }.map(\.name)
        if !conflicts.isEmpty && !force {
            throw LifeboatError(
                .alreadyExists,
                "key directory \(directory) already holds a different key for \(conflicts.joined(separator: ", ")); nothing was written (pass --force to replace)"
            )
        }
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        for key in keys {
            let target = path(key.name, in: directory)
            if existing[key.name] == Array(key.pem.utf8) {
                try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
                summary.unchanged.append(key.name)
                continue
            }
            try PrivateFile.save(Array(key.pem.utf8), to: target, mode: 0o600)
            if existing[key.name] == nil { summary.written.append(key.name) } else { summary.replaced.append(key.name) }
        }
        logger.info(
            "identity keys restored to directory",
            metadata: ["keys.written": "\(summary.written.count)", "keys.replaced": "\(summary.replaced.count)"])
        return summary
    }

    /// The Nuts file name of a key.
    static func path(_ name: String, in directory: String) -> String {
        directory + "/" + name + FilesystemKeySource.suffix
    }
}
