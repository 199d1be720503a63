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
    /// `M_MMAP_THRESHOLD` from glibc's malloc.h.
    private static let mmapThreshold: Int32 = -3
    /// Blocks from this size up get their own mapping, returned when freed. A fixed value
    /// stops glibc from raising the threshold after each large free, which let megabyte
    /// buffers of many sizes fragment the one arena (a 1 GiB backup peaked at 68 MiB
    /// instead of 62). Packs (4.5 MiB) are mapped and unmapped; batches, restore windows
    /// and reads (1–2 MiB, one size each, the first two reused) stay in the arena.
    private static let mmapThresholdBytes: Int32 = 4 << 20

    static func apply() {
        #if canImport(Glibc)
            // malloc.h is not part of the Glibc module; look the function up instead.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            _ = mallopt(arenaMax, 1)
            _ = mallopt(mmapThreshold, mmapThresholdBytes)
        #endif
    }
}
