import AsyncHTTPClient
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatRepository
import LifeboatS3
import LifeboatStorage
import Logging

/// The configured repositories, opened on first use and kept open for the daemon's life.
///
/// Opening reads the key slots (scrypt), which is slow on purpose, so each repository is
/// unlocked once. A repository that fails to open is retried on the next use.
public actor RepositoryPool {
    /// The configured repositories by name.
    public let configurations: [String: RepositoryConfiguration]
    let environment: [String: String]
    let logger: Logger
    let httpClient: HTTPClient?
    private var opened: [String: Repository] = [:]

    /// Creates a pool; nothing is opened yet.
    public init(
        _ repositories: [RepositoryConfiguration], environment: [String: String], httpClient: HTTPClient? = nil,
        logger: Logger
    ) {
        configurations = Dictionary(repositories.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.environment = environment
        self.httpClient = httpClient
        self.logger = logger
    }

    /// The repository called `name`, opened; with `create`, a repository that does not exist yet is initialised.
    public func repository(_ name: String, create: Bool = false) async throws -> Repository {
        if let repo = opened[name] { return repo }
        guard let rc = configurations[name] else {
            throw LifeboatError(.notFound, "no repository named \"\(name)\" in the configuration")
        }
        let secret = try Self.secret(rc.credential, environment: environment, repository: name)
        let repo: Repository
        do {
            if create && rc.kind == .directory && !FileManager.default.fileExists(atPath: rc.url) {
                repo = try await Repository.initialize(storage: try LocalStorage.create(at: rc.url), secret: secret, logger: logger)
                logger.notice("initialised repository", metadata: ["repository": "\(name)"])
            } else {
                let storage = try Self.storage(for: rc, httpClient: httpClient, logger: logger)
                do {
                    repo = try await Repository.open(storage: storage, secret: secret, logger: logger)
                } catch let error as LifeboatError where create && error.code == .notARepository {
                    if let s3 = storage as? S3Storage { try await s3.createBucket() }
                    repo = try await Repository.initialize(storage: storage, secret: secret, logger: logger)
                    logger.notice("initialised repository", metadata: ["repository": "\(name)"])
                }
            }
        } catch let error as LifeboatError {
            throw LifeboatError(error.code, "repository \(name): \(error.message)", cause: error)
        }
        opened[name] = repo
        return repo
    }

    /// The storage behind a configured repository.
    public static func storage(
        for rc: RepositoryConfiguration, httpClient: HTTPClient? = nil, logger: Logger
    ) throws -> any ObjectStorage {
        switch rc.kind {
        case .s3:
            // By default the storage's own client: the shared pool retries refused connections
            // by itself until a request times out, hiding an unreachable endpoint for minutes.
            return try S3Storage(
                configuration: try S3Configuration.resolve(url: rc.url, region: rc.region), httpClient: httpClient,
                logger: logger)
        case .directory:
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: rc.url, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw LifeboatError(.notARepository, "no Lifeboat repository at \(rc.url) (no such directory)")
            }
            return try LocalStorage(path: rc.url)
        }
    }

    /// The secret a credential names: the first line of a password file, a key file, or an environment variable.
    public static func secret(
        _ credential: RepositoryCredential, environment: [String: String], repository: String
    ) throws -> Secret {
        switch credential {
        case .passwordFile(let path):
            let text = try readSecretFile(path, what: "password file of repository \(repository)")
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.isEmpty else {
                throw LifeboatError(.invalidArgument, "password file \(path) of repository \(repository) is empty")
            }
            return .password(line)
        case .keyFile(let path):
            return .keyFile(Array(try readSecretData(path, what: "key file of repository \(repository)")))
        case .passwordEnvironment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw LifeboatError(
                    .invalidArgument, "repository \(repository) takes its password from $\(name), which is not set or empty")
            }
            return .password(value)
        }
    }

    private static func readSecretFile(_ path: String, what: String) throws -> String {
        String(decoding: try readSecretData(path, what: what), as: UTF8.self)
    }

    private static func readSecretData(_ path: String, what: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw LifeboatError(.invalidArgument, "cannot read \(what) \(path): \(reason)")
        }
        return data
    }
}
