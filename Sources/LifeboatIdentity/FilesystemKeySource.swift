import Foundation
import LifeboatCore

/// Keys in the Nuts filesystem layout: `<directory>/<kid>_private.pem`, PKCS#8 PEM.
enum FilesystemKeySource {
    /// The file name suffix the Nuts node gives private keys.
    static let suffix = "_private.pem"

    /// Reads and validates every `*_private.pem` in `directory`.
    static func collect(directory: String) throws -> CollectedIdentity {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw LifeboatError(.notFound, "key directory \(directory) does not exist; check identity.source.directory")
        }
        guard isDirectory.boolValue else {
            throw LifeboatError(.invalidArgument, "key directory \(directory) is not a directory")
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw LifeboatError(.io, "cannot list key directory \(directory): permission denied or unreadable", cause: error)
        }
        var keys: [IdentityKey] = []
        for file in entries.filter({ $0.hasSuffix(suffix) }).sorted() {
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LifeboatError(.io, "cannot read key file \(path): permission denied")
            }
            let name = String(file.dropLast(suffix.count))
            keys.append(try CollectedIdentity.pemKey(name: name, pem: String(decoding: data, as: UTF8.self), origin: path))
        }
        return CollectedIdentity(source: directory, keys: keys)
    }
}
