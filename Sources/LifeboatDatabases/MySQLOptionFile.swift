import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// A private MySQL option file (`[client]` with the password) in a directory of its own
/// (0700, file 0600), handed to `mariadb`/`mariadb-dump` as `--defaults-extra-file`, so the
/// password is in neither a command line nor an environment (`MYSQL_PWD` is readable by other
/// processes of the user). ``remove()`` deletes it once the client has exited.
final class MySQLOptionFile: Sendable {
    /// The file's path, or nil when there is no password to hand over (`~/.my.cnf` applies).
    let path: String?
    private let directory: String?

    /// Writes the file for `password`; nil writes none.
    init(password: String?) throws {
        guard let password else {
            path = nil
            directory = nil
            return
        }
        var template = Array((NSTemporaryDirectory() + "/lifeboat-mysql-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw LifeboatError(.io, "cannot create a private directory for the MySQL option file: \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: made)
        let path = directory + "/client.cnf"
        let text = "[client]\npassword=\"\(Self.quoted(password))\"\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            rmdir(directory)
            throw LifeboatError(.io, "cannot write the MySQL option file \(path): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else {
            unlink(path)
            rmdir(directory)
            throw LifeboatError(.io, "cannot write the MySQL option file \(path)")
        }
        self.path = path
        self.directory = directory
    }

    /// The value escaped for a double-quoted option value (`\\` and `\"` are the client's escapes).
    static func quoted(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// The argument that must come first on the client's command line, if any.
    var arguments: [String] { path.map { ["--defaults-extra-file=" + $0] } ?? [] }

    /// Deletes the file and its directory.
    func remove() {
        guard let path, let directory else { return }
        unlink(path)
        rmdir(directory)
    }

    deinit { remove() }
}
