import ArgumentParser

/// The file format of the Nuts profile's stores (`--store-format`).
enum StoreFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// SQLite in WAL mode: copied with SQLite's online backup API.
    case sqlite
    /// BBolt, as the Nuts node keeps them: one process per file, copied by the node itself.
    case bbolt
}
