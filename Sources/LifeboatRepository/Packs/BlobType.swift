import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// What a blob in a pack holds.
public enum BlobType: UInt8, Sendable, Codable {
    /// A chunk of file content.
    case data = 0
    /// A directory listing (JSON tree) or a chunk list of a large file.
    case tree = 1
}
