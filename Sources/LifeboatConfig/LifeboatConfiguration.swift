import Foundation
import LifeboatCore
import Yams

/// The daemon's configuration, read from `lifeboat.yaml`.
///
/// **Terms.** A *repository* is a named place backups are written to. A
/// *node* is a ledger or identity node Lifeboat protects; its *stores* are the
/// data a *state* backup captures, and its *identity* is the key material an
/// *identity dump* captures. Each kind runs on its own *plan* (``BackupPlan``):
/// a schedule, a Max Backup Number and the repositories it writes to.
///
/// ```swift
/// let config = try LifeboatConfiguration.load(
///     path: "/etc/lifeboat/lifeboat.yaml", environment: ProcessInfo.processInfo.environment)
/// print(config.summary(now: .now))
/// ```
///
/// **Errors.** Loading throws one ``LifeboatError`` with code
/// `.invalidArgument` describing the *first* problem in document order, as
/// `FILE:LINE: KEY.PATH: what is wrong`, e.g.
/// `lifeboat.yaml:14: nodes[0].backups.cron: "0 */6 * *" has 4 fields; cron needs 5`.
/// A value from an environment override is named by its variable instead:
/// `LIFEBOAT_LISTEN (overriding listen): …`.
///
/// **Paths.** Relative file paths outside nodes (`catalog`, a directory
/// repository, password, key, token and CA files) are read from the
/// configuration file's directory; store paths and an `fs` key directory are
/// read from the node's `datadir` and kept as written.
///
/// The `Codable` form uses the YAML's keys, except that `repositories` is a
/// list of objects with a `name`; decoding it checks value syntax (cron,
/// interval, time zone) but not the rules ``parse(yaml:file:environment:)``
/// enforces, so read files with ``load(path:environment:)``.
public struct LifeboatConfiguration: Codable, Sendable, Hashable {
    /// The address the HTTP API listens on; `127.0.0.1:8480` unless given.
    public var listen: ListenAddress
    /// The absolute path of the catalog database; `lifeboat-catalog.sqlite` beside the configuration file unless given.
    public var catalog: String
    /// The repositories, in file order, at least one.
    public var repositories: [RepositoryConfiguration]
    /// The REST API's settings.
    public var api: APIConfiguration
    /// How jobs run.
    public var jobs: JobsConfiguration
    /// The nodes to protect, in file order, at least one.
    public var nodes: [NodeConfiguration]

    /// Creates a configuration; ``parse(yaml:file:environment:)`` is how a checked one is made.
    public init(
        listen: ListenAddress = .default, catalog: String, repositories: [RepositoryConfiguration],
        api: APIConfiguration = APIConfiguration(), jobs: JobsConfiguration = .default, nodes: [NodeConfiguration]
    ) {
        self.listen = listen
        self.catalog = catalog
        self.repositories = repositories
        self.api = api
        self.jobs = jobs
        self.nodes = nodes
    }

    /// The repository called `name`, if defined.
    public func repository(named name: String) -> RepositoryConfiguration? {
        repositories.first { $0.name == name }
    }

    /// The node called `name`, if defined.
    public func node(named name: String) -> NodeConfiguration? {
        nodes.first { $0.name == name }
    }

    /// Reads and checks the file at `path`, applying `LIFEBOAT_*` overrides from `environment` (see ``EnvironmentOverride``).
    ///
    /// Messages name the file as `path` is written. Throws `.notFound` when the
    /// file does not exist, `.io` when it cannot be read, `.invalidArgument`
    /// for anything wrong in it.
    public static func load(path: String, environment: [String: String]) throws -> LifeboatConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            if !FileManager.default.fileExists(atPath: path) {
                throw LifeboatError(.notFound, "configuration file \(path) does not exist", cause: error)
            }
            throw LifeboatError(.io, "cannot read configuration file \(path): \(error.localizedDescription)", cause: error)
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw LifeboatError(.invalidArgument, "\(path): not UTF-8 text; save the configuration as UTF-8")
        }
        return try parse(yaml: yaml, file: path, environment: environment)
    }

    /// Checks YAML text as if read from `file`, which names it in messages and anchors relative paths.
    public static func parse(yaml: String, file: String, environment: [String: String]) throws -> LifeboatConfiguration {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw LifeboatError(.invalidArgument, syntaxMessage(error, file: file), cause: error)
        }
        var found: [ConfigProblem] = []
        let document = root.map { ConfigNode.make(from: $0, path: "", origin: ConfigNode.position(of: $0), problems: &found) }
        guard let document, !document.isNull else {
            throw LifeboatError(
                .invalidArgument,
                "\(file): the file is empty; it needs at least repositories and nodes (see docs/lifeboat.example.yaml)")
        }
        let tree = document.applying(EnvironmentOverride.all, from: environment)
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let validator = ConfigValidator(baseDirectory: directory)
        validator.report(found)
        let configuration = validator.configuration(tree)
        if let problem = validator.firstProblem {
            throw LifeboatError(.invalidArgument, problem.rendered(file: file))
        }
        guard let configuration else {
            throw LifeboatError(.internalError, "\(file): the configuration was rejected without a reason; please report this")
        }
        return configuration
    }

    /// `FILE:LINE: YAML syntax error: …` from a Yams error, with a hint for the usual cron mistake.
    private static func syntaxMessage(_ error: any Error, file: String) -> String {
        guard let yamlError = error as? YamlError else { return "\(file): cannot read YAML: \(error)" }
        let line: Int
        var text: String
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            line = mark.line
            text = problem
            if let context { text += " (\(context.text), line \(context.mark.line))" }
        case .reader(let problem, _, _, _):
            return "\(file): cannot read YAML: \(problem)"
        default:
            return "\(file): cannot read YAML: \(yamlError)"
        }
        if text.contains("alias") {
            text += "; quote values that start with *, e.g. cron: \"*/15 * * * *\""
        }
        return "\(file):\(line): YAML syntax error: \(text)"
    }
}
