import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private (0700) temporary directory for encrypted dump files on their way into a repository.
///
/// Only ciphertext and non-secret manifests are ever written here.
struct StagingDirectory {
    /// The directory's absolute path.
    let path: String

    /// Creates `<parent>/lifeboat-identity-XXXXXX` with mode 0700 (mkdtemp's mode).
    init(parent: String = NSTemporaryDirectory()) throws {
        let base = parent.hasSuffix("/") ? String(parent.dropLast()) : parent
        var template = Array("\(base)/lifeboat-identity-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let pointer = buffer.baseAddress else { return false }
            return mkdtemp(pointer) != nil
        }
        guard created else {
            throw LifeboatError(.io, "cannot create a staging directory in \(base): \(String(cString: strerror(errno)))")
        }
        path = template.withUnsafeBufferPointer { buffer in
            String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Creates a sub-directory with mode 0700.
    func makeDirectory(_ name: String) throws -> String {
        let directory = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return directory
    }

    /// Deletes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Private file writing shared by staging and restores.
enum PrivateFile {
    /// Writes `bytes` to `path` with mode `mode` from the start: a temp file created with that mode, then renamed.
    static func save(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let temporary = path + ".lifeboat-tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw LifeboatError(.io, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        // open() applies the umask; set the exact mode the caller asked for.
        if failure == 0, chmod(temporary, mode) != 0 { failure = errno }
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw LifeboatError(.io, "cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }
}
