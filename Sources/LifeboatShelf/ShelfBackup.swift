import Foundation
import LifeboatCore

/// One finished shelf copy of a store.
public struct ShelfBackup: Sendable, Equatable {
    /// The store's module (sub-directory).
    public let module: String
    /// The store's name without `.db`.
    public let name: String
    /// The absolute path of the copy, `<directory>/<module>/<name>.db`.
    public let path: String
    /// The copy's size in bytes.
    public let bytes: Int64
    /// When the writer started, i.e. no later than the moment the copy shows.
    public let startedAt: Date
    /// How long writing, syncing and renaming took.
    public let duration: TimeInterval
}

/// What a running shelf reports to the node that embeds it.
public enum ShelfEvent: Sendable {
    /// A store was copied and renamed into place.
    case backedUp(ShelfBackup)
    /// A store's copy failed; the previous copy is untouched. The next interval tries again.
    case failed(module: String, name: String, error: LifeboatError)
}
