import Foundation
import LifeboatCore

/// The repository's settings, fixed at `init` and stored encrypted as the `config` object.
public struct RepositoryConfig: Codable, Sendable {
    /// Repository format version this build writes: 2 has frames of several blobs (see
    /// `repository-format.md`).
    public static let currentVersion = 2
    /// Versions this build reads and writes into: a version 1 repository gets version 2
    /// packs and index files from it, which only builds reading version 2 can read.
    public static let readableVersions = 1...3
    /// The version a repository takes when it gets a write-only recipient: version 3 may hold
    /// objects sealed by write-only sessions (see `repository-format.md`), which builds
    /// reading only versions 1 and 2 cannot open.
    public static let writeOnlyVersion = 3

    /// Format version.
    public var version: Int
    /// A random id naming this repository (hex).
    public var id: String
    /// When the repository was created.
    public var created: Date
    /// Target size of pack objects in bytes.
    public var packSize: Int
    /// Content-defined chunking bounds for files that are not page-structured databases.
    public var chunkMin: Int
    /// Average chunk size for content-defined chunking.
    public var chunkAverage: Int
    /// Largest chunk for content-defined chunking.
    public var chunkMax: Int

    /// The defaults for a new repository.
    public static func makeDefault(id: String) -> RepositoryConfig {
        RepositoryConfig(
            version: currentVersion, id: id, created: Date(), packSize: 4 << 20,
            chunkMin: 64 << 10, chunkAverage: 256 << 10, chunkMax: 1 << 20)
    }
}
