import Foundation

/// A configuration key that an environment variable can set, e.g. `LIFEBOAT_JOBS_MAX_PARALLEL` for `jobs.max_parallel`.
///
/// The variable's name is `LIFEBOAT_` followed by the key path in upper case
/// with `.` written as `_`. Only single values at the top level and in `jobs`
/// (and `api`, which has none yet) can be overridden; repositories, tokens and
/// nodes cannot. An empty variable counts as unset. An override wins over the
/// file and is checked like the file's value, with errors naming the variable.
public struct EnvironmentOverride: Sendable, Hashable {
    /// The key path in the file, e.g. `jobs.max_parallel`.
    public let keyPath: String

    /// The environment variable, e.g. `LIFEBOAT_JOBS_MAX_PARALLEL`.
    public var variable: String {
        "LIFEBOAT_" + keyPath.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Every key that can be overridden.
    public static let all: [EnvironmentOverride] = [
        "listen", "catalog", "jobs.max_parallel", "jobs.run_missed_at_start", "jobs.shutdown_grace", "jobs.prune_every",
    ].map(EnvironmentOverride.init(keyPath:))
}

extension ConfigNode {
    /// This tree with the overrides set in `environment` put in place of (or beside) the file's values.
    func applying(_ overrides: [EnvironmentOverride], from environment: [String: String]) -> ConfigNode {
        var tree = self
        for override in overrides {
            guard let value = environment[override.variable], !value.isEmpty else { continue }
            let keys = override.keyPath.split(separator: ".").map(String.init)
            tree.set(keys[...], to: value, variable: override.variable)
        }
        return tree
    }

    /// Sets the scalar at `keys` below this node, creating mappings on the way.
    ///
    /// A node on the way that is neither a mapping nor empty is left alone: the
    /// validator reports its shape, and the override could not apply anyway.
    private mutating func set(_ keys: ArraySlice<String>, to value: String, variable: String) {
        guard let key = keys.first else { return }
        var entries: [ConfigEntry]
        switch content {
        case .mapping(let existing): entries = existing
        case .null: entries = []
        case .scalar, .sequence: return
        }
        let path = childPath(key)
        let index =
            entries.firstIndex { $0.key == key }
            ?? {
                entries.append(ConfigEntry(key: key, value: ConfigNode(path: path, origin: .environment(variable), content: .null)))
                return entries.count - 1
            }()
        if keys.count == 1 {
            entries[index].value = ConfigNode(path: path, origin: .environment(variable), content: .scalar(value))
        } else {
            entries[index].value.set(keys.dropFirst(), to: value, variable: variable)
        }
        content = .mapping(entries)
    }
}
