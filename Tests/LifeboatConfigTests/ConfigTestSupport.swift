import Foundation
import LifeboatConfig
import LifeboatCore
import Testing

/// Parses `yaml` as `lifeboat.yaml` in /etc/lifeboat (so relative paths resolve there).
func parse(_ yaml: String, environment: [String: String] = [:]) throws -> LifeboatConfiguration {
    try LifeboatConfiguration.parse(yaml: yaml, file: "/etc/lifeboat/lifeboat.yaml", environment: environment)
}

/// The message of the `.invalidArgument` error parsing `yaml` as `lifeboat.yaml` throws, or nil (recording an issue).
func failure(
    _ yaml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
) -> String? {
    do {
        _ = try LifeboatConfiguration.parse(yaml: yaml, file: "lifeboat.yaml", environment: environment)
        Issue.record("expected the configuration to be rejected", sourceLocation: sourceLocation)
    } catch let error as LifeboatError {
        #expect(error.code == .invalidArgument, sourceLocation: sourceLocation)
        #expect(!error.message.contains("\n"), "one problem, one line", sourceLocation: sourceLocation)
        return error.message
    } catch {
        Issue.record("expected a LifeboatError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A small valid file; tests append to it or swap lines out. Line numbers:
/// 1 repositories, 2 primary, 3 url, 4 password_file, 5 nodes, 6 name, 7 datadir,
/// 8 stores, 9 type, 10 path, 11 backups, 12 cron, 13 max, 14 repositories.
let minimalYAML = """
    repositories:
      primary:
        url: /srv/repo
        password_file: /etc/lifeboat/repo.pass
    nodes:
      - name: n1
        datadir: /var/lib/n1
        stores:
          - type: sqlite
            path: data.db
        backups:
          cron: "0 * * * *"
          max: 3
          repositories: [primary]
    """

/// `minimalYAML` with the line numbered `number` (1-based) replaced by `text` (which may hold several lines).
func minimal(replacingLine number: Int, with text: String) -> String {
    var lines = minimalYAML.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines[number - 1] = text
    return lines.joined(separator: "\n")
}

/// A valid age X25519 recipient (from age's README).
let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

/// A fresh, empty temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
