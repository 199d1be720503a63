import LifeboatCore

extension ObjectName {
    /// The longest name a backend accepts, in bytes.
    public static let maximumLength = 200

    /// Throws `.invalidArgument` unless the name is safe to use as a file name or object key.
    ///
    /// A valid name is 1 to ``maximumLength`` characters from `[A-Za-z0-9._-]`, does not
    /// start with a dot, and for kind `config` is exactly `config`. Backends call this
    /// before any I/O: it is what keeps `../x` or `a/b` from escaping the repository,
    /// and what keeps temporary files (which start with a dot) out of reach.
    public func validate() throws {
        let bytes = name.utf8
        guard !bytes.isEmpty else {
            throw LifeboatError(.invalidArgument, "invalid object name \(kind.rawValue)/\"\": the name is empty")
        }
        guard bytes.count <= Self.maximumLength else {
            throw LifeboatError(
                .invalidArgument,
                "invalid object name in \(kind.rawValue): \(bytes.count) bytes long, at most \(Self.maximumLength) allowed")
        }
        guard bytes.first != UInt8(ascii: ".") else {
            throw LifeboatError(
                .invalidArgument, "invalid object name \(kind.rawValue)/\(name.debugDescription): it must not start with a dot")
        }
        for byte in bytes where !Self.isAllowed(byte) {
            throw LifeboatError(
                .invalidArgument,
                "invalid object name \(kind.rawValue)/\(name.debugDescription): only letters, digits, '.', '_' and '-' are allowed")
        }
        if kind == .config && name != "config" {
            throw LifeboatError(
                .invalidArgument, "invalid object name config/\(name.debugDescription): the config object must be named \"config\"")
        }
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
