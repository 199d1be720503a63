#if canImport(Glibc)
    import Glibc
#endif

/// Allocator settings for a process that hashes and seals on several threads.
///
/// glibc gives each thread its own malloc arena; chunks sealed on worker threads and
/// freed on the pipeline's thread then pile up in arenas that are rarely trimmed, which
/// cost a backup of 1 GiB about 30 MiB of peak memory and a second of system time in
/// madvise calls. One arena keeps memory flat; the contention it adds is negligible
/// next to hashing and compression.
enum MemoryTuning {
    /// `M_ARENA_MAX` from glibc's malloc.h.
    private static let arenaMax: Int32 = -8

    static func apply() {
        #if canImport(Glibc)
            // malloc.h is not part of the Glibc module; look the function up instead.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            _ = unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, 1)
        #endif
    }
}
