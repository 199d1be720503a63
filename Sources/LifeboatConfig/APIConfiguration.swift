/// The REST API's settings from `api:`.
///
/// ```yaml
/// api:
///   tokens:
///     - name: ops
///       role: operator
///       sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
/// ```
public struct APIConfiguration: Sendable, Hashable, Codable {
    /// The bearer tokens the API accepts; none means no request can authenticate.
    public var tokens: [APIToken]

    /// Creates API settings.
    public init(tokens: [APIToken] = []) {
        self.tokens = tokens
    }
}
