import Foundation
import LifeboatCore

/// Checks a configuration tree against the schema and builds the model from it, in one walk.
///
/// Every rule of the file format lives in this type and its extensions. A
/// rule that fails records a ``ConfigProblem`` and the walk goes on, so that
/// the problem reported is the first in document order whatever order the
/// sections are checked in; ``problems`` is empty exactly when the returned
/// configuration is complete.
final class ConfigValidator {
    /// The directory relative file paths (catalog, password files) are read from: the configuration file's.
    let baseDirectory: String
    /// What is wrong so far, in the order found.
    private(set) var problems: [ConfigProblem] = []
    /// The repository names defined, or nil when `repositories:` is too broken to check references against.
    var repositoryNames: [String]?

    /// The keys of the top level, in the order messages list them.
    static let topKeys = ["listen", "catalog", "repositories", "api", "jobs", "nodes"]

    /// A validator resolving relative paths against `baseDirectory`.
    init(baseDirectory: String) {
        self.baseDirectory = baseDirectory
    }

    /// Records a problem with `node`.
    func report(_ node: ConfigNode, _ message: String) {
        problems.append(ConfigProblem(node, message))
    }

    /// Records problems found before validation (while reading the YAML).
    func report(_ found: [ConfigProblem]) {
        problems.append(contentsOf: found)
    }

    /// The first problem in document order, if any.
    var firstProblem: ConfigProblem? {
        problems.min { $0.sortKey < $1.sortKey }
    }

    /// `path` made absolute against ``baseDirectory``.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : Self.joinPath(baseDirectory, path)
    }

    /// `relative` read inside the absolute `directory`, with `.` and `..` resolved by text (symbolic links are not followed).
    static func joinPath(_ directory: String, _ relative: String) -> String {
        var components: [Substring] = []
        for component in (directory + "/" + relative).split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// The whole configuration, or nil with ``problems`` saying why.
    func configuration(_ root: ConfigNode) -> LifeboatConfiguration? {
        guard let top = mapping(root, keys: Self.topKeys) else { return nil }
        var listen = ListenAddress.default
        if let node = top["listen"] { listen = listenAddress(node) ?? listen }
        var catalog = resolve("lifeboat-catalog.sqlite")
        if let node = top["catalog"] { catalog = filePath(node) ?? catalog }
        let repositories = required(top, "repositories", " (at least one repository to back up to)").flatMap(repositories)
        let api = top["api"].map(api) ?? APIConfiguration()
        let jobs = top["jobs"].map(jobs) ?? .default
        let nodes = required(top, "nodes", " (at least one node to protect)").flatMap(nodes)
        guard problems.isEmpty, let repositories, let api, let jobs, let nodes else { return nil }
        return LifeboatConfiguration(
            listen: listen, catalog: catalog, repositories: repositories, api: api, jobs: jobs, nodes: nodes)
    }

    /// `listen:`, with ``ListenAddress``'s own message on failure.
    func listenAddress(_ node: ConfigNode) -> ListenAddress? {
        guard let text = text(node) else { return nil }
        do {
            return try ListenAddress.parse(text)
        } catch {
            report(node, Self.message(of: error))
            return nil
        }
    }

    /// `api:`: the bearer tokens, unique by name and by hash, and the restore roots.
    func api(_ node: ConfigNode) -> APIConfiguration? {
        guard let section = mapping(node, keys: ["tokens", "restore_roots"]) else { return nil }
        let roots = section["restore_roots"].flatMap(restoreRoots) ?? []
        guard let tokensNode = section["tokens"] else { return APIConfiguration(restoreRoots: roots) }
        guard let items = list(tokensNode, of: "tokens ({name, role, sha256})") else { return nil }
        var tokens: [APIToken] = []
        var names: [(key: String, node: ConfigNode)] = []
        var hashes: [(key: String, node: ConfigNode)] = []
        for item in items {
            guard let fields = mapping(item, keys: ["name", "role", "sha256"]) else { continue }
            let nameNode = required(fields, "name")
            let name = nameNode.flatMap(name)
            let role = required(fields, "role").flatMap { choice($0, APIToken.Role.self, noun: "role") }
            let hashNode = required(fields, "sha256", " (the token's SHA-256 in hex; the token itself never goes in the file)")
            let hash = hashNode.flatMap(sha256)
            if let name, let nameNode { names.append((name, nameNode)) }
            if let hash, let hashNode { hashes.append((hash, hashNode)) }
            if let name, let role, let hash { tokens.append(APIToken(name: name, role: role, sha256: hash)) }
        }
        requireUnique(names) { "token name \"\($0)\"" }
        requireUnique(hashes) { _ in "this hash" }
        return APIConfiguration(tokens: tokens, restoreRoots: roots)
    }

    /// `api.restore_roots:`: absolute directories, each named once.
    func restoreRoots(_ node: ConfigNode) -> [String]? {
        guard let items = list(node, of: "restore_roots (absolute directories)") else { return nil }
        var roots: [String] = []
        var seen: [(key: String, node: ConfigNode)] = []
        for item in items {
            guard let text = pathText(item) else { continue }
            guard text.hasPrefix("/") else {
                report(item, "\"\(text)\" must be an absolute directory (restore roots are not read relative to anything)")
                continue
            }
            let path = Self.joinPath("/", text)
            seen.append((path, item))
            roots.append(path)
        }
        requireUnique(seen) { "restore root \"\($0)\"" }
        return roots
    }

    /// A SHA-256 in hex, lowercased.
    func sha256(_ node: ConfigNode) -> String? {
        guard let text = text(node) else { return nil }
        guard text.utf8.count == 64, text.allSatisfy(\.isHexDigit) else {
            report(
                node,
                "expected 64 hex digits (a SHA-256, e.g. from `printf %s TOKEN | sha256sum`), got \(text.utf8.count) characters")
            return nil
        }
        return text.lowercased()
    }

    /// `jobs:`, each key defaulting to ``JobsConfiguration/default``.
    func jobs(_ node: ConfigNode) -> JobsConfiguration? {
        let keys = ["max_parallel", "run_missed_at_start", "shutdown_grace", "prune_every"]
        guard let section = mapping(node, keys: keys) else { return nil }
        var jobs = JobsConfiguration.default
        var ok = true
        func read<Value>(_ key: String, _ parse: (ConfigNode) -> Value?, into path: WritableKeyPath<JobsConfiguration, Value>) {
            guard let node = section[key] else { return }
            if let value = parse(node) { jobs[keyPath: path] = value } else { ok = false }
        }
        read("max_parallel", { integer($0, in: JobsConfiguration.maxParallelRange) }, into: \.maxParallel)
        read("run_missed_at_start", boolean, into: \.runMissedAtStart)
        read("shutdown_grace", interval, into: \.shutdownGrace)
        read("prune_every", interval, into: \.pruneEvery)
        return ok ? jobs : nil
    }
}
