import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// One blob inside a frame being written.
struct FrameMember: Sendable {
    var type: BlobType
    var id: ObjectID
    var rawLength: Int
    var inner: Int
}
