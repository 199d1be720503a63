import Foundation
import LifeboatConfig
import LifeboatCore
import Testing

/// The messages the configuration format promises, each with its exact line.
@Suite struct ConfigErrorMessageTests {
    @Test func cronWithFourFieldsReusesCronExpressionsMessage() {
        let yaml = minimal(replacingLine: 12, with: "      cron: \"0 */6 * *\"")
        #expect(failure(yaml) == #"lifeboat.yaml:12: nodes[0].backups.cron: "0 */6 * *" has 4 fields; cron needs 5"#)
    }

    @Test func repositoryWithoutCredentialNamesTheThreeKeys() {
        let yaml = """
            listen: 127.0.0.1:8480
            catalog: /var/lib/lifeboat/catalog.sqlite

            # where backups go
            repositories:
              # the local one
              primary:
                url: /srv/lifeboat/repo
            nodes:
              - name: n1
                stores: [{type: sqlite, path: /data.db}]
                backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
            """
        #expect(
            failure(yaml) == "lifeboat.yaml:7: repositories.primary: give exactly one of password_file, key_file, password_env")
    }

    @Test func repositoryWithTwoCredentials() {
        let yaml = minimal(replacingLine: 4, with: "    password_file: /p\n    password_env: REPO_PASSWORD")
        #expect(
            failure(yaml) == "lifeboat.yaml:2: repositories.primary: give exactly one of password_file, key_file, password_env")
    }

    @Test func unknownTopLevelKeyListsTheValidOnes() {
        let yaml = "# lifeboat\n\nlistn: 127.0.0.1:8480\n" + minimalYAML
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:3: unknown key "listn" (expected one of: listen, catalog, repositories, api, jobs, nodes)"#)
    }

    static let twoNodes = """
        listen: 127.0.0.1:8480
        repositories:
          primary:
            url: /srv/repo
            password_file: /etc/pass
          offsite:
            url: s3://backups/lifeboat
            password_env: OFFSITE_PASSWORD
        jobs:
          max_parallel: 2
        nodes:
          - name: nuts-1
            datadir: /var/lib/nuts
            stores:
              - type: sqlite
                path: network/data.db
            backups:
              cron: "0 */6 * * *"
              max: 7
              repositories: [primary]
          # the second node, copied from the first
          - name: nuts-2
            datadir: /var/lib/nuts2
            stores: [{type: file, path: vcr/trusted_issuers.yaml}]
            backups: {interval: 6h, max: 7, repositories: [primary, offsite]}
        """

    @Test func twoNodesFixtureIsValid() throws {
        let configuration = try parse(Self.twoNodes)
        #expect(configuration.nodes.map(\.name) == ["nuts-1", "nuts-2"])
    }

    @Test func duplicateNodeNameNamesBothLines() {
        let yaml = Self.twoNodes.replacingOccurrences(of: "- name: nuts-2", with: "- name: nuts-1")
        #expect(failure(yaml) == #"lifeboat.yaml:22: nodes[1].name: "nuts-1" is used twice (also line 12)"#)
    }

    @Test func misspelledRepositoryReferenceListsTheDefinedOnes() {
        let yaml = Self.twoNodes.replacingOccurrences(of: "[primary, offsite]", with: "[primary, ofsite]")
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:25: nodes[1].backups.repositories[1]: no repository named "ofsite" (defined: primary, offsite)"#)
    }

    @Test func blockListReferenceReportsTheItemsOwnLine() {
        let yaml = minimal(replacingLine: 14, with: "      repositories:\n        - primary\n        - nope")
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:16: nodes[0].backups.repositories[1]: no repository named "nope" (defined: primary)"#)
    }

    @Test func firstProblemInDocumentOrderWins() {
        // nodes come first here, so the node's problem (line 3) is reported before the repository's (line 9),
        // although repositories are checked first.
        let yaml = """
            nodes:
              - name: n1
                profile: nutz
                stores: [{type: sqlite, path: /data.db}]
                backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
            repositories:
              primary:
                url: /srv/repo
                password_file: ""
            """
        #expect(
            failure(yaml) == #"lifeboat.yaml:3: nodes[0].profile: "nutz" is not a profile (expected one of: generic, nuts, nuts6, canton)"#)
    }

    @Test func syntaxErrorCarriesItsLine() throws {
        let yaml = """
            repositories:
              primary:
                url: /srv/repo
               password_file: /etc/pass
            """
        let message = try #require(failure(yaml))
        #expect(message.hasPrefix("lifeboat.yaml:4: YAML syntax error: "), "\(message)")
    }

    @Test func unclosedFlowMappingIsASyntaxError() throws {
        let yaml = "listen: 127.0.0.1:8480\nrepositories: {primary: {url: /srv/repo\nnodes: []\n"
        let message = try #require(failure(yaml))
        #expect(message.hasPrefix("lifeboat.yaml:"), "\(message)")
        #expect(message.contains("YAML syntax error"), "\(message)")
    }

    @Test func unquotedCronStartingWithStarGetsAHint() throws {
        let yaml = minimal(replacingLine: 12, with: "      cron: */5 * * * *")
        let message = try #require(failure(yaml))
        #expect(message.hasPrefix("lifeboat.yaml:12: YAML syntax error: "), "\(message)")
        #expect(message.contains(#"quote values that start with *, e.g. cron: "*/15 * * * *""#), "\(message)")
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n# and another\n", "---\n"])
    func emptyFile(yaml: String) {
        #expect(
            failure(yaml)
                == "lifeboat.yaml: the file is empty; it needs at least repositories and nodes (see docs/lifeboat.example.yaml)")
    }

    @Test func keyGivenTwiceInOneMapping() {
        let yaml = "listen: 127.0.0.1:1\ncatalog: /c\nlisten: 127.0.0.1:2\n" + minimalYAML
        #expect(failure(yaml) == "lifeboat.yaml:3: listen: given twice (also line 1)")
    }

    @Test func repositoryDefinedTwice() {
        let yaml = minimal(replacingLine: 4, with: "    password_file: /p\n  primary:\n    url: /other\n    key_file: /k")
        #expect(failure(yaml) == "lifeboat.yaml:5: repositories.primary: given twice (also line 2)")
    }

    @Test func topLevelListIsRejected() {
        #expect(
            failure("- listen: 127.0.0.1:8480\n")
                == "lifeboat.yaml:1: expected a mapping of keys (listen, catalog, repositories, api, jobs, nodes), got a list")
    }

    @Test func missingRepositoriesAndNodes() {
        #expect(
            failure("listen: 127.0.0.1:8480\n")
                == #"lifeboat.yaml:1: missing required key "repositories" (at least one repository to back up to)"#)
        let onlyRepositories = minimalYAML.components(separatedBy: "nodes:")[0]
        #expect(failure(onlyRepositories) == #"lifeboat.yaml:1: missing required key "nodes" (at least one node to protect)"#)
    }

    @Test func emptyRepositoriesAndNodes() {
        #expect(failure("repositories: {}\nnodes: []\n") == "lifeboat.yaml:1: repositories: define at least one repository")
        let noNodes = minimalYAML.components(separatedBy: "nodes:")[0] + "nodes: []\n"
        #expect(failure(noNodes) == "lifeboat.yaml:5: nodes: list at least one node")
    }

    @Test func loadNamesTheFileAsGiven() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("lifeboat.yaml")
        try minimal(replacingLine: 13, with: "      max: seven").write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try LifeboatConfiguration.load(path: file.path, environment: [:])
            Issue.record("expected an error")
        } catch let error as LifeboatError {
            #expect(error.message == "\(file.path):13: nodes[0].backups.max: \"seven\" is not a whole number")
        }
    }

    @Test func missingFileIsNotFound() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("absent.yaml").path
        do {
            _ = try LifeboatConfiguration.load(path: path, environment: [:])
            Issue.record("expected an error")
        } catch let error as LifeboatError {
            #expect(error.code == .notFound)
            #expect(error.message == "configuration file \(path) does not exist")
        }
    }
}
