import CZstd
import Foundation
import LifeboatCore
import Synchronization

/// zstd compression of chunk plaintexts through the system libzstd.
///
/// A compressed payload is stored only when it is smaller than the raw bytes; the
/// first byte of every sealed plaintext says which form follows (``Form``).
enum Compression {
    /// The form of a stored payload, its first byte.
    enum Form: UInt8 {
        case raw = 0
        case zstd = 1
    }

    /// zstd level: 1 is the fast end, where 2 cores still keep up with the disk.
    static let level: Int32 = 1

    /// log2 of zstd's match-finder hash table entries (see ``ZstdContext``).
    static let hashLog: Int32 = 11

    /// Compression contexts for one-off objects (manifests, trees outside a backup pipeline).
    static let compressionContexts = ZstdContextPool()

    /// Decompression contexts reused across blobs and threads.
    static let decompressionContexts = ZstdDecompressionPool()

    /// `[form byte] + payload`, compressed when that saves space.
    static func encode(_ input: UnsafeRawBufferPointer, context: ZstdContext) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var written = -1
        let out = [UInt8](unsafeUninitializedCapacity: bound + 1) { dst, count in
            let r = ZSTD_compress2(context.cctx, dst.baseAddress.map { $0 + 1 }, bound, input.baseAddress, input.count)
            written = ZSTD_isError(r) != 0 ? -1 : r
            dst[0] = Form.zstd.rawValue
            count = written > 0 ? written + 1 : 1
        }
        if written > 0 && written + 16 < input.count {
            return out
        }
        var raw = [UInt8]()
        raw.reserveCapacity(input.count + 1)
        raw.append(Form.raw.rawValue)
        raw.append(contentsOf: input)
        return raw
    }

    /// The raw bytes of an encoded payload; `expected` is the plaintext length when known.
    static func decode(_ payload: Data, expected: Int?, what: @autoclosure () -> String) throws -> [UInt8] {
        guard let first = payload.first, let form = Form(rawValue: first) else {
            throw LifeboatError(.corrupted, "\(what()) has an unknown compression form")
        }
        switch form {
        case .raw:
            return Array(payload.dropFirst())
        case .zstd:
            return try payload.withUnsafeBytes { raw -> [UInt8] in
                let src = UnsafeRawBufferPointer(rebasing: raw[1...])
                let size = ZSTD_getFrameContentSize(src.baseAddress, src.count)
                // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest UInt64 values.
                guard size < UInt64.max - 1, size <= 1 << 31 else {
                    throw LifeboatError(.corrupted, "\(what()) has a damaged zstd frame header")
                }
                if let expected, expected != Int(size) {
                    throw LifeboatError(.corrupted, "\(what()) decompresses to \(size) bytes, expected \(expected)")
                }
                // A context per call would allocate zstd's window buffers for every 4 KiB page.
                let dctx = try decompressionContexts.take()
                defer { decompressionContexts.give(dctx) }
                var result = 0
                let out = [UInt8](unsafeUninitializedCapacity: Int(size)) { dst, count in
                    result = ZSTD_decompressDCtx(dctx.dctx, dst.baseAddress, Int(size), src.baseAddress, src.count)
                    count = ZSTD_isError(result) == 0 && result == Int(size) ? result : 0
                }
                guard out.count == Int(size), ZSTD_isError(result) == 0 else {
                    throw LifeboatError(.corrupted, "\(what()) failed to decompress")
                }
                return out
            }
        }
    }
}
