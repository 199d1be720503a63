/// The fields of SQLite's WAL-index header (start of the `-shm` file) that the snapshot is checked against.
///
/// SQLite keeps two copies of the 48-byte header in native byte order; they match whenever
/// no writer is updating them, which holds while our write lock is taken.
struct SQLiteWALIndexHeader {
    static let length = 96
    private static let version: UInt32 = 3_007_000

    /// The last frame of the WAL that readers see (0: none).
    let lastFrame: UInt32
    /// The salt bytes of the WAL generation the index describes.
    let salts: [UInt8]

    /// Parses both header copies; nil when they are missing, differ or are not initialised.
    init?(_ bytes: [UInt8]?) {
        guard let bytes, bytes.count >= Self.length, bytes[0..<48].elementsEqual(bytes[48..<96]) else { return nil }
        let (version, isInitialised, frame) = bytes.withUnsafeBytes {
            ($0.loadUnaligned(as: UInt32.self), $0[12], $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        }
        guard version == Self.version, isInitialised != 0 else { return nil }
        lastFrame = frame
        salts = Array(bytes[32..<40])
    }
}
