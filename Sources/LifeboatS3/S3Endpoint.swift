import LifeboatCore

/// A parsed `http(s)://HOST[:PORT]`.
struct S3Endpoint: Hashable, Sendable {
    /// `http` or `https`.
    let scheme: String
    /// The host name or address; IPv6 addresses keep their brackets.
    let host: String
    /// The port, or nil for the scheme's default.
    let port: Int?

    init(parsing text: String) throws {
        let scheme: String
        if text.hasPrefix("https://") {
            scheme = "https"
        } else if text.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw LifeboatError(.invalidArgument, "the endpoint \(text.debugDescription) must start with http:// or https://")
        }
        var authority = Substring(text.dropFirst(scheme.count + 3))
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains("/") else {
            throw LifeboatError(.invalidArgument, "the endpoint \(text.debugDescription) must be http(s)://HOST[:PORT] with no path")
        }
        var host = authority
        var port: Int?
        // An IPv6 address has colons of its own: the port comes after the closing bracket.
        let portSeparator =
            authority.hasPrefix("[")
            ? authority.range(of: "]:")?.upperBound : authority.lastIndex(of: ":").map { authority.index(after: $0) }
        if let portStart = portSeparator {
            host = authority[..<authority.index(before: portStart)]
            guard let number = Int(authority[portStart...]), (1...65535).contains(number) else {
                throw LifeboatError(
                    .invalidArgument, "the endpoint \(text.debugDescription) has an invalid port: it must be a number from 1 to 65535")
            }
            port = number
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw LifeboatError(.invalidArgument, "the endpoint \(text.debugDescription) has an empty or invalid host")
        }
        self.scheme = scheme
        self.host = String(host)
        self.port = port
    }

    /// `HOST` or `HOST:PORT`, as the Host header and the signature need it.
    func hostHeader(bucketPrefix: String? = nil) -> String {
        let name = bucketPrefix.map { "\($0).\(host)" } ?? host
        guard let port, port != (scheme == "https" ? 443 : 80) else { return name }
        return "\(name):\(port)"
    }
}
