import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#endif

/// One daemon per catalog: an exclusive `flock` on `CATALOG.lock`, held for the process's life.
public final class InstanceLock: Sendable {
    let fd: Int32

    /// Takes the lock or explains who has it.
    public init(catalog: String) throws {
        let path = catalog + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LifeboatError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw LifeboatError(.locked, "another lifeboat serve is using catalog \(catalog) (lock \(path) is held)")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
    }

    deinit { close(fd) }
}
