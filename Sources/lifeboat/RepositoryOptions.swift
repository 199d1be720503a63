import ArgumentParser
import AsyncHTTPClient
import Foundation
import LifeboatCore
import LifeboatRepository
import LifeboatS3
import LifeboatStorage
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Options every repository command shares: where the repository is and how to open it.
struct RepositoryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Repository: a directory, s3:http(s)://HOST[:PORT]/BUCKET/PREFIX or s3://BUCKET/PREFIX.", valueName: "REPO"))
    var repo: String?

    @Option(name: .long, help: ArgumentHelp("Read the password from this file (first line).", valueName: "FILE"))
    var passwordFile: String?

    @Option(name: .long, help: ArgumentHelp("Open the repository with a key file instead of a password.", valueName: "FILE"))
    var keyFile: String?

    @Flag(name: .long, help: "Print machine-readable JSON on stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Print nothing but errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Log what the engine does (to stderr).")
    var verbose = false

    /// The repository location from the flag or LIFEBOAT_REPOSITORY.
    func location() throws -> String {
        if let repo, !repo.isEmpty { return repo }
        if let env = ProcessInfo.processInfo.environment["LIFEBOAT_REPOSITORY"], !env.isEmpty { return env }
        throw LifeboatError(.invalidArgument, "no repository given: pass --repo DIR or set LIFEBOAT_REPOSITORY")
    }

    /// A logger that writes to stderr; quiet unless --verbose.
    func logger() -> Logger {
        var logger = Logger(label: "lifeboat") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .warning
        return logger
    }

    /// The storage behind the location: `s3:…` URLs on S3, anything else a local directory.
    func storage(creating: Bool = false) async throws -> any ObjectStorage {
        try await Self.storage(at: try location(), creating: creating, logger: logger())
    }

    /// The storage behind a location: `s3:…` URLs on S3, anything else a local directory.
    static func storage(at location: String, creating: Bool = false, logger: Logger) async throws -> any ObjectStorage {
        if location.hasPrefix("s3:") {
            // The storage's own client, not HTTPClient.shared: the shared pool retries refused
            // connections on its own until the request times out, so an unreachable endpoint
            // took minutes to report instead of S3RetryPolicy's few attempts.
            let s3 = try S3Storage(configuration: try S3Configuration.resolve(url: location), logger: logger)
            if creating { try await s3.createBucket() }
            return s3
        }
        if creating { return try LocalStorage.create(at: location) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDir), isDir.boolValue else {
            throw LifeboatError(.notARepository, "no Lifeboat repository at \(location) (no such directory)")
        }
        return try LocalStorage(path: location)
    }

    /// The secret that opens the repository: key file, password file, env, or a prompt.
    func secret(confirm: Bool = false) throws -> Secret {
        try Self.secret(keyFile: keyFile, passwordFile: passwordFile, environmentPrefix: "LIFEBOAT", confirm: confirm)
    }

    /// A secret from a key file, a password file (flag or `PREFIX_PASSWORD_FILE`),
    /// `PREFIX_PASSWORD`, or a prompt naming `which` repository on a terminal.
    static func secret(
        keyFile: String?, passwordFile: String?, environmentPrefix prefix: String, which: String = "Repository",
        flags: String = "--password-file FILE or --key-file FILE", confirm: Bool = false
    ) throws -> Secret {
        if let keyFile { return .keyFile(try readFile(keyFile, what: "key file")) }
        let env = ProcessInfo.processInfo.environment
        if let file = passwordFile ?? env[prefix + "_PASSWORD_FILE"] {
            let text = String(decoding: try readFile(file, what: "password file"), as: UTF8.self)
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.isEmpty else { throw LifeboatError(.invalidArgument, "password file \(file) is empty") }
            return .password(line)
        }
        if let password = env[prefix + "_PASSWORD"] {
            guard !password.isEmpty else { throw LifeboatError(.invalidArgument, "\(prefix)_PASSWORD is set but empty") }
            return .password(password)
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw LifeboatError(
                .invalidArgument,
                "no password given\(which == "Repository" ? "" : " for the \(which.lowercased())"): set \(prefix)_PASSWORD, pass \(flags), or run on a terminal to be asked"
            )
        }
        let first = try Prompt.password("\(which) password: ")
        if confirm {
            guard try Prompt.password("Repeat password: ") == first else {
                throw LifeboatError(.invalidArgument, "the passwords do not match")
            }
        }
        guard !first.isEmpty else { throw LifeboatError(.invalidArgument, "the password is empty") }
        return .password(first)
    }

    /// Opens the repository.
    func open() async throws -> Repository {
        try await Repository.open(storage: try await storage(), secret: try secret(), logger: logger())
    }

    /// A progress bar on a terminal, nothing otherwise.
    func progress() -> any ProgressReporter {
        if quiet || json || isatty(STDERR_FILENO) != 1 { return SilentProgress() }
        return ProgressBar()
    }
}

func readFile(_ path: String, what: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw LifeboatError(
            .invalidArgument,
            "cannot read \(what) \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
    }
    return Array(data)
}

/// Reads a password from the terminal without echo.
enum Prompt {
    static func password(_ prompt: String) throws -> String {
        guard let p = getpass(prompt) else { throw LifeboatError(.invalidArgument, "could not read a password from the terminal") }
        return String(cString: p)
    }
}
