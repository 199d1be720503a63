import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// What a restore is asked to do.
public struct RestoreOptions: Sendable {
    /// The directory to restore into.
    public var target: String
    /// Shell-style patterns (`*`, `?`, `[…]`) matched against paths relative to the
    /// snapshot root, such as `node/vcr/*.db`; empty restores everything.
    public var include: [String] = []
    /// Restore into a non-empty target, replacing files that are in the way.
    public var force = false

    /// Options for a target directory.
    public init(target: String) { self.target = target }
}
