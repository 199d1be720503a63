/// One thing wrong with a configuration: where, which key, and what.
struct ConfigProblem {
    /// Where the offending value came from.
    var origin: ConfigNode.Origin
    /// The key path, empty for the document itself.
    var path: String
    /// What is wrong, without position or path.
    var message: String

    /// A problem with `node`, reported at its position and path.
    init(_ node: ConfigNode, _ message: String) {
        self.origin = node.origin
        self.path = node.path
        self.message = message
    }

    /// Sorts problems in document order; environment overrides (line 0) come first.
    var sortKey: (Int, Int) {
        switch origin {
        case .file(let line, let column): (line, column)
        case .environment: (0, 0)
        }
    }

    /// The operator-facing text, e.g. `lifeboat.yaml:14: nodes[0].backups.cron: "…" has 4 fields; cron needs 5`.
    func rendered(file: String) -> String {
        switch origin {
        case .file(let line, _):
            return path.isEmpty ? "\(file):\(line): \(message)" : "\(file):\(line): \(path): \(message)"
        case .environment(let name):
            return "\(name) (overriding \(path)): \(message)"
        }
    }
}
