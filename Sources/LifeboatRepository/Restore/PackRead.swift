import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

#if canImport(Glibc)
    import Glibc
#endif

/// One storage read: a span of a pack holding several wanted blobs (small gaps included).
struct PackRead: Sendable {
    var pack: ObjectID
    var offset: Int
    var length: Int
    /// The blobs to take from the span: which chunk of the window, and where its frame
    /// lies in the span (offset, length, binding) and the blob in the frame (inner, rawLength).
    var blobs: [ReadBlob]
}
