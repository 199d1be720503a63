import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Random 96-bit nonces for AES-GCM, drawn in 4 KiB batches from glibc's `arc4random_buf`
/// (a ChaCha20 CSPRNG seeded and reseeded from the kernel).
///
/// Asking the kernel for 12 bytes per chunk costs a system call each time, which at one
/// sealing per 4 KiB database page dominated a backup; a batch serves 341 nonces.
/// The bytes are just as random, each is used once, and the batch is wiped as it is used.
final class NonceSource: Sendable {
    static let shared = NonceSource()

    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: 4092)
        var position = 4092
    }

    private let pool = Mutex(Pool())

    /// Twelve fresh random bytes.
    func next() -> [UInt8] {
        pool.withLock { p in
            if p.position + 12 > p.bytes.count {
                p.bytes.withUnsafeMutableBytes { buf in
                    guard let base = buf.baseAddress else { return }
                    arc4random_buf(base, buf.count)
                }
                p.position = 0
            }
            let out = Array(p.bytes[p.position..<(p.position + 12)])
            for i in p.position..<(p.position + 12) { p.bytes[i] = 0 }
            p.position += 12
            return out
        }
    }
}
