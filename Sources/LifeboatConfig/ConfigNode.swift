import Yams

/// One value of the configuration tree with the key path and position that messages name.
///
/// The YAML tree is copied into these nodes once, so that validation never
/// touches Yams types and environment overrides can stand in for file values
/// while keeping their own origin (the variable's name instead of a line).
struct ConfigNode {
    /// Where a value came from.
    enum Origin: Hashable {
        /// A position in the file: 1-based line and column.
        case file(line: Int, column: Int)
        /// An environment variable that overrode (or supplied) the value.
        case environment(String)
    }

    /// The value's shape and text.
    enum Content {
        /// A scalar, as written (quotes removed, no type resolution).
        case scalar(String)
        /// An empty value, `~` or `null`: read as if the key were absent.
        case null
        /// A mapping's entries in file order; keys are unique.
        case mapping([ConfigEntry])
        /// A sequence's items in file order.
        case sequence([ConfigNode])
    }

    /// The key path, e.g. `nodes[0].backups.cron`; empty for the document itself.
    var path: String
    /// Where the value came from.
    var origin: Origin
    /// The value itself.
    var content: Content

    /// The path of a mapping child.
    func childPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The path of a sequence item.
    func itemPath(_ index: Int) -> String {
        "\(path)[\(index)]"
    }

    /// A short name for the value's shape, for "expected …, got …" messages.
    var shapeName: String {
        switch content {
        case .scalar(let text): "\"\(text)\""
        case .null: "nothing"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// Whether the value is YAML's null (nothing, `~` or `null`).
    var isNull: Bool {
        if case .null = content { return true }
        return false
    }

    /// The 1-based line, or 0 for a value from the environment (sorted first).
    var line: Int {
        if case .file(let line, _) = origin { return line }
        return 0
    }
}

/// One `key: value` pair of a mapping.
struct ConfigEntry {
    /// The key as written.
    var key: String
    /// The value, whose origin is the key's position: errors point at the key's line.
    var value: ConfigNode
}

extension ConfigNode {
    /// Copies a composed YAML tree, reporting keys that are not scalars and keys given twice.
    static func make(
        from node: Yams.Node, path: String, origin: Origin, problems: inout [ConfigProblem]
    ) -> ConfigNode {
        if let scalar = node.scalar {
            return ConfigNode(path: path, origin: origin, content: Self.isNull(scalar) ? .null : .scalar(scalar.string))
        }
        if let sequence = node.sequence {
            let base = ConfigNode(path: path, origin: origin, content: .sequence([]))
            let items = sequence.enumerated().map { index, item in
                make(from: item, path: base.itemPath(index), origin: position(of: item), problems: &problems)
            }
            return ConfigNode(path: path, origin: origin, content: .sequence(items))
        }
        guard let mapping = node.mapping else {
            return ConfigNode(path: path, origin: origin, content: .null)
        }
        let base = ConfigNode(path: path, origin: origin, content: .mapping([]))
        var entries: [ConfigEntry] = []
        var firstLine: [String: Int] = [:]
        for (key, value) in mapping {
            let keyOrigin = position(of: key)
            guard let keyScalar = key.scalar else {
                problems.append(
                    ConfigProblem(base.withOrigin(keyOrigin), "keys must be plain names, not \(key.mapping != nil ? "mappings" : "lists")"))
                continue
            }
            let name = keyScalar.string
            let childPath = base.childPath(name)
            if let first = firstLine[name] {
                let duplicate = ConfigNode(path: childPath, origin: keyOrigin, content: .null)
                problems.append(ConfigProblem(duplicate, "given twice (also line \(first))"))
                continue
            }
            firstLine[name] = keyOrigin.lineNumber
            entries.append(ConfigEntry(key: name, value: make(from: value, path: childPath, origin: keyOrigin, problems: &problems)))
        }
        return ConfigNode(path: path, origin: origin, content: .mapping(entries))
    }

    /// A copy of this node reporting at another position.
    func withOrigin(_ origin: Origin) -> ConfigNode {
        ConfigNode(path: path, origin: origin, content: content)
    }

    /// The node's own position from its Yams mark (line 1 if Yams gave none).
    static func position(of node: Yams.Node) -> Origin {
        guard let mark = node.mark else { return .file(line: 1, column: 1) }
        return .file(line: mark.line, column: mark.column)
    }

    /// Plain `~`, `null` and nothing at all are YAML's null; quoted they are text.
    private static func isNull(_ scalar: Yams.Node.Scalar) -> Bool {
        guard scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}

extension ConfigNode.Origin {
    /// The line, or 0 for the environment.
    var lineNumber: Int {
        if case .file(let line, _) = self { return line }
        return 0
    }
}
