import Foundation

/// Which store files a Nuts 5 node has, per release, and which it rebuilds itself.
///
/// From the Nuts documentation's backup and restore procedure: releases 5.0–5.3 restore
/// `network/data.db`, `vcr/backup-issued-credentials.db` and `vdr/didstore.db`; 5.4 adds
/// `vcr/backup-credentials.db` and `vcr/backup-revoked-credentials.db`. The search indexes,
/// `network/connections.db` and `events/` are rebuilt or volatile: backing them up costs
/// space and restoring them is wrong (the node rebuilds them on reprocess).
public enum NutsStoreList {
    /// The Nuts 5 releases the profile knows.
    public static let versions = ["5.0", "5.1", "5.2", "5.3", "5.4"]

    /// The datadir-relative store files a restore of `version` needs; nil version means the
    /// release is not given, judged by what every release needs.
    public static func restoreFiles(version: String?) -> [String] {
        var files = ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"]
        if version == "5.4" { files += ["vcr/backup-credentials.db", "vcr/backup-revoked-credentials.db"] }
        return files.sorted()
    }

    /// The 5.4 stores, which an earlier release does not have.
    static let addedIn54 = ["vcr/backup-credentials.db", "vcr/backup-revoked-credentials.db"]

    /// Files and directories the node rebuilds or does not need, with why.
    public static let notRestored: [(path: String, why: String)] = [
        ("network/connections.db", "volatile peer connections, not needed"),
        ("vcr/credentials.db", "a search index the node rebuilds"),
        ("vcr/issued-credentials.db", "a search index the node rebuilds"),
        ("vcr/verifier-store.db", "a search index the node rebuilds"),
        ("events", "the event queue, rebuilt"),
    ]

    /// What a Nuts node's store list lacks and has extra, against its release's list.
    public struct Coverage: Sendable, Hashable {
        /// Store files the release needs and no listed store covers.
        public var lacking: [String] = []
        /// Listed stores that are not store files of the release, each with why.
        public var extra: [String] = []
        /// The node relies on its shelf: which files it holds is seen only at run time.
        public var viaShelf = false
    }

    /// Compares a Nuts node's `stores:` with its release's list. A `shelf` store covers the
    /// BBolt files (its copies follow the datadir's structure); a `dir` store covers what
    /// lies below it.
    public static func coverage(of node: NodeConfiguration) -> Coverage {
        if node.profile == .nuts6 { return coverage6(of: node) }
        var coverage = Coverage()
        let needed = restoreFiles(version: node.version)
        var covered = Set<String>()
        for store in node.stores {
            switch store {
            case .shelf:
                coverage.viaShelf = true
                covered.formUnion(needed)
            case .sqlite(let path), .file(let path):
                let relative = datadirRelative(path, node: node)
                covered.insert(relative)
                if let reason = extraReason(relative, version: node.version) { coverage.extra.append("\(path) (\(reason))") }
            case .directory(let path):
                let relative = datadirRelative(path, node: node)
                for file in needed where relative.isEmpty || file.hasPrefix(relative + "/") { covered.insert(file) }
                if let reason = notRestored.first(where: { $0.path == relative })?.why { coverage.extra.append("\(path) (\(reason))") }
            case .redis, .postgres, .mysql:
                continue
            }
        }
        coverage.lacking = needed.filter { !covered.contains($0) }
        return coverage
    }

    /// Why a listed file is no store of this release, or nil when it is one (or a side file
    /// such as `vcr/trusted_issuers.yaml`).
    static func extraReason(_ relative: String, version: String?) -> String? {
        if let known = notRestored.first(where: { relative == $0.path || relative.hasPrefix($0.path + "/") }) { return known.why }
        if let version, version != "5.4", addedIn54.contains(relative) { return "a 5.4 store; Nuts \(version) has none" }
        return nil
    }

    /// `path` relative to the node's datadir, or as given when it lies outside.
    static func datadirRelative(_ path: String, node: NodeConfiguration) -> String {
        var relative = path
        if path.hasPrefix("/"), let datadir = node.datadir {
            let base = datadir.hasSuffix("/") ? datadir : datadir + "/"
            if path == datadir { return "" }
            guard path.hasPrefix(base) else { return path }
            relative = String(path.dropFirst(base.count))
        }
        while relative.hasPrefix("./") { relative.removeFirst(2) }
        return relative
    }
}

extension LifeboatConfiguration {
    /// Advice on each Nuts node's store list: stores its release needs that no listed store
    /// covers, and listed ones the node rebuilds; one line each, naming node, file and remedy.
    public func storeListAdvice() -> [String] {
        var lines: [String] = []
        for node in nodes where node.profile.isNuts && !node.stores.isEmpty {
            let coverage = NutsStoreList.coverage(of: node)
            let release = NutsStoreList.releaseText(node)
            for file in coverage.lacking {
                if node.profile == .nuts6 {
                    lines.append("node \(node.name): no store covers \(file), which \(release) needs restored; \(NutsStoreList.sqlRemedy)")
                    continue
                }
                lines.append(
                    "node \(node.name): no store covers \(file), which \(release) needs restored; add it to stores (a BBolt file through the node's shelf: {type: shelf, directory: <storage.bbolt.backup.directory>})"
                )
            }
            for file in coverage.extra {
                lines.append("node \(node.name): store \(file) need not be backed up; remove it from stores")
            }
        }
        return lines
    }
}
