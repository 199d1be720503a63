/// The REST API's settings from `api:`.
///
/// ```yaml
/// api:
///   tokens:
///     - name: ops
///       role: operator
///       sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
///   restore_roots: [/srv/lifeboat/restores]
/// ```
public struct APIConfiguration: Sendable, Hashable, Codable {
    /// The bearer tokens the API accepts; none means no request can authenticate.
    public var tokens: [APIToken]
    /// The directories API callers may name as restore targets, restore-kit directories and
    /// identity files (absolute, as written). A node's own datadir is always allowed as a
    /// target of that node's restore; nothing else is when this is empty.
    public var restoreRoots: [String]

    /// Creates API settings.
    public init(tokens: [APIToken] = [], restoreRoots: [String] = []) {
        self.tokens = tokens
        self.restoreRoots = restoreRoots
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.decode([APIToken].self, forKey: .tokens)
        restoreRoots = try c.decodeIfPresent([String].self, forKey: .restoreRoots) ?? []
    }
}
