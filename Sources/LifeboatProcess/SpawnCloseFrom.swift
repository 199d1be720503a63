#if canImport(Glibc)
    import Glibc
#endif

/// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), which Swift's Glibc module does
/// not export: looked up at run time. The child then starts with only the descriptors the
/// other actions set up, so a long-lived child (a node Lifeboat starts) never holds the
/// daemon's listening socket or repository files.
public enum SpawnCloseFrom {
    private typealias Function = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static let function: Function? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()

    /// Adds "close every descriptor from `lowest` up" to `actions`; false when this C library lacks it.
    @discardableResult
    public static func add(_ actions: inout posix_spawn_file_actions_t, from lowest: Int32 = 3) -> Bool {
        guard let function else { return false }
        return withUnsafeMutablePointer(to: &actions) { function($0, lowest) } == 0
    }
}
