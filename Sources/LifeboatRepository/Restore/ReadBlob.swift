import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// One blob of a ``PackRead``.
struct ReadBlob: Sendable {
    var chunk: Int
    var id: ObjectID
    /// Offset of the blob's sealed frame from the start of the read span.
    var offset: Int
    var length: Int
    var rawLength: Int
    var inner: Int
    var binding: ObjectID
}

extension ReadBlob {
    /// The blob `w` of a window, its frame placed relative to a read starting at `start`.
    init(_ w: (chunk: Int, loc: BlobLocation, ref: ChunkRef), from start: Int) {
        self.init(
            chunk: w.chunk, id: w.ref.id, offset: w.loc.offset - start, length: w.loc.length, rawLength: w.loc.rawLength,
            inner: w.loc.inner, binding: w.loc.binding)
    }
}
