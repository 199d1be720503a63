/// The one error type every Lifeboat module throws.
///
/// An error carries a machine-readable ``Code``, a `message` written for the
/// operator (what went wrong and, where possible, what to do about it), an
/// optional underlying `cause`, and the source location that raised it.
///
/// ```swift
/// throw LifeboatError(.notFound, "snapshot 1a2b3c4d not found in repository /srv/repo")
/// ```
public struct LifeboatError: Error, CustomStringConvertible, Sendable {
    /// The category of an error: what a script or the API maps to an exit code or status.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Wrapped: String, Sendable {
            case invalidArgument = "invalid-argument"
            case notFound = "not-found"
            case alreadyExists = "already-exists"
            case wrongPassword = "wrong-password"
            case notARepository = "not-a-repository"
            case corrupted = "corrupted"
            case locked = "locked"
            case noSpace = "no-space"
            case io = "io"
            case unsupported = "unsupported"
            case cancelled = "cancelled"
            case internalError = "internal"
        }
        let wrapped: Wrapped
        /// A value was wrong: a flag, an argument, a config key.
        public static let invalidArgument = Code(wrapped: .invalidArgument)
        /// A named thing (snapshot, file, key) does not exist.
        public static let notFound = Code(wrapped: .notFound)
        /// Something that must not exist yet does (a repository, a non-empty target).
        public static let alreadyExists = Code(wrapped: .alreadyExists)
        /// No key slot opened with the given password or key file.
        public static let wrongPassword = Code(wrapped: .wrongPassword)
        /// The location holds no Lifeboat repository.
        public static let notARepository = Code(wrapped: .notARepository)
        /// Stored data failed authentication or a hash check.
        public static let corrupted = Code(wrapped: .corrupted)
        /// A lock held by another process prevents the operation.
        public static let locked = Code(wrapped: .locked)
        /// The storage ran out of space.
        public static let noSpace = Code(wrapped: .noSpace)
        /// An input/output error from the operating system or a remote store.
        public static let io = Code(wrapped: .io)
        /// The input is of a kind or version this build does not handle.
        public static let unsupported = Code(wrapped: .unsupported)
        /// The operation was cancelled before it finished.
        public static let cancelled = Code(wrapped: .cancelled)
        /// A bug: an invariant did not hold.
        public static let internalError = Code(wrapped: .internalError)

        /// The stable text form, used in `--json` output and problem+json bodies.
        public var description: String { wrapped.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// One sentence for the operator; never contains secrets.
    public var message: String
    /// The error that led to this one, if any.
    public var cause: (any Error)?
    /// Where the error was raised, for bug reports.
    public var location: String

    /// Creates an error; the location is filled in from the call site.
    public init(
        _ code: Code, _ message: String, cause: (any Error)? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    public var description: String { message }
}

extension LifeboatError {
    /// Wraps any error as a ``LifeboatError``, keeping one that already is.
    public static func wrap(_ error: any Error, _ context: String) -> LifeboatError {
        if let error = error as? LifeboatError { return error }
        return LifeboatError(.io, "\(context): \(error)", cause: error)
    }
}
