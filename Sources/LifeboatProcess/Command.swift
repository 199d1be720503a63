import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A program to run: executable, arguments and the environment it gets.
///
/// Secrets go in `environment` (e.g. `PGPASSWORD`, `REDISCLI_AUTH`), never in
/// `arguments`, which any user can read with `ps`.
public struct Command: Sendable, Hashable {
    /// The program: an absolute path, or a name looked up in `PATH` and `searchPaths`.
    public var executable: String
    /// The arguments after the program name.
    public var arguments: [String]
    /// Variables added to (or replacing those of) this process's environment.
    public var environment: [String: String]
    /// Extra directories searched after `PATH` (e.g. `/usr/lib/postgresql/16/bin`).
    public var searchPaths: [String]

    /// Creates a command.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:], searchPaths: [String] = []) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.searchPaths = searchPaths
    }

    /// The program's name for messages, e.g. `pg_dump`.
    public var name: String { (executable as NSString).lastPathComponent }

    /// The absolute path of the program, or a `.notFound` error saying what to install.
    public func resolvedExecutable() throws -> String {
        if executable.contains("/") {
            guard access(executable, X_OK) == 0 else {
                throw LifeboatError(.notFound, "\(executable) is missing or not executable")
            }
            return executable
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + searchPaths where !dir.isEmpty {
            let candidate = dir + "/" + executable
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw LifeboatError(.notFound, "\(executable) was not found in PATH; install it (it must be on this host for this store)")
    }
}
