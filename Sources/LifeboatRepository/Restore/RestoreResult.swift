import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// The outcome of a restore.
public struct RestoreResult: Sendable {
    /// Files written and verified.
    public var files = 0
    /// Bytes written.
    public var bytes: Int64 = 0
    /// Files that were not restored, each with the reason.
    public var failures: [String] = []
    /// Temporaries of an earlier, interrupted restore found in the target and deleted.
    public var temporariesRemoved = 0
}
