import LifeboatCore

/// The `host:port` the daemon's HTTP server binds to, e.g. `127.0.0.1:8480` or `[::1]:8480`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name, IPv4 address or IPv6 address (without brackets).
    public var host: String
    /// The TCP port, 1–65535.
    public var port: Int

    /// Only this machine can reach the API unless the operator opens it up.
    public static let `default` = ListenAddress(host: "127.0.0.1", port: 8480)

    /// Creates an address; ``parse(_:)`` checks text, this does not.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`; throws `.invalidArgument` naming what is wrong.
    public static func parse(_ text: String) throws -> ListenAddress {
        func failure(_ problem: String) -> LifeboatError {
            LifeboatError(.invalidArgument, "\"\(text)\" \(problem)")
        }
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw failure("has no closing \"]\" after the IPv6 address") }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw failure("needs a port after the address, e.g. [::1]:8480") }
            portPart = rest.dropFirst()
            guard !hostPart.isEmpty, hostPart.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw failure("is not an IPv6 address in brackets, e.g. [::1]:8480")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) { throw failure("needs a host, e.g. 127.0.0.1:\(text)") }
                throw failure("needs a port, e.g. \(text):8480")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { throw failure("looks like an IPv6 address; put it in brackets, e.g. [::1]:8480") }
            if hostPart.isEmpty { throw failure("has no host; write 0.0.0.0:\(portPart) to listen on all interfaces") }
            let allowed = hostPart.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
            guard allowed else { throw failure("has an invalid host \"\(hostPart)\" (letters, digits, '.' and '-' only)") }
        }
        guard !portPart.isEmpty, portPart.allSatisfy(\.isASCIIDigit), let port = Int(portPart) else {
            throw failure("has no valid port; the port must be a number from 1 to 65535")
        }
        guard (1...65535).contains(port) else { throw failure("has port \(port); use 1 to 65535") }
        return ListenAddress(host: String(hostPart), port: port)
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension ListenAddress: Codable {
    /// Decodes the `host:port` text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Self.parse(text)
        } catch let error as LifeboatError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes the `host:port` text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
