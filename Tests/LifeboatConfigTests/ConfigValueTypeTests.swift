import LifeboatConfig
import Testing

/// Values of the wrong type or out of range, each reported at its line.
@Suite struct ConfigValueTypeTests {
    @Test func maxSpelledOut() {
        let yaml = minimal(replacingLine: 13, with: "      max: seven")
        #expect(failure(yaml) == #"lifeboat.yaml:13: nodes[0].backups.max: "seven" is not a whole number"#)
    }

    @Test(arguments: ["0", "-1"])
    func maxBelowOne(value: String) {
        let yaml = minimal(replacingLine: 13, with: "      max: \(value)")
        #expect(failure(yaml) == "lifeboat.yaml:13: nodes[0].backups.max: \(value) is out of range; use at least 1")
    }

    @Test func maxAsList() {
        let yaml = minimal(replacingLine: 13, with: "      max: [7]")
        #expect(failure(yaml) == "lifeboat.yaml:13: nodes[0].backups.max: expected a single value, got a list")
    }

    @Test(arguments: ["0", "65", "two"])
    func maxParallelOutOfRange(value: String) throws {
        let message = try #require(failure(minimalYAML + "\njobs:\n  max_parallel: \(value)\n"))
        let expected =
            value == "two" ? #""two" is not a whole number"# : "\(value) is out of range; use 1 to 64"
        #expect(message == "lifeboat.yaml:16: jobs.max_parallel: \(expected)")
    }

    @Test(arguments: ["yes", "maybe", "1"])
    func booleansAreTrueOrFalse(value: String) {
        let yaml = minimal(replacingLine: 13, with: "      max: 3\n      paused: \(value)")
        #expect(failure(yaml) == #"lifeboat.yaml:14: nodes[0].backups.paused: "\#(value)" is not true or false"#)
    }

    @Test func storesAsAScalar() {
        let yaml = minimal(replacingLine: 8, with: "    stores: data.db")
            .replacingOccurrences(of: "      - type: sqlite\n        path: data.db\n", with: "")
        #expect(failure(yaml) == #"lifeboat.yaml:8: nodes[0].stores: expected a list of stores ({type, …}), got "data.db""#)
    }

    @Test func repositoriesAsAList() {
        let yaml = "repositories: [primary]\nnodes: []\n"
        #expect(
            failure(yaml)
                == "lifeboat.yaml:1: repositories: expected a mapping from repository names to settings (primary: {url: …, password_file: …}), got a list"
        )
    }

    @Test func nodesAsAMapping() {
        let yaml = minimalYAML.components(separatedBy: "nodes:")[0] + "nodes:\n  n1: {}\n"
        #expect(failure(yaml) == "lifeboat.yaml:5: nodes: expected a list of nodes, got a mapping")
    }

    @Test func nodeAsAScalar() {
        let yaml = minimalYAML.components(separatedBy: "nodes:")[0] + "nodes:\n  - n1\n"
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:6: nodes[0]: expected a mapping of keys (name, profile, datadir, stores, backups, identity, version, control, migration_id, drills), got "n1""#
        )
    }

    @Test func intervalWithUnknownUnitUsesIntervalsMessage() {
        let yaml = minimal(replacingLine: 12, with: "      interval: 1d")
        #expect(failure(yaml) == #"lifeboat.yaml:12: nodes[0].backups.interval: interval "1d": unknown unit "d" (use s, m or h)"#)
    }

    @Test func emptyStringIsRejected() {
        let yaml = minimal(replacingLine: 3, with: "    url: \"\"")
        #expect(failure(yaml) == "lifeboat.yaml:3: repositories.primary.url: must not be empty")
    }

    @Test func nullValueCountsAsAbsent() {
        let yaml = minimal(replacingLine: 3, with: "    url: ~")
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:2: repositories.primary: missing required key "url" (a directory, s3:http(s)://HOST[:PORT]/BUCKET/PREFIX or s3://BUCKET/PREFIX)"#
        )
    }

    @Test func nonScalarKeyIsRejected() {
        let yaml = "? [a, b]\n: 1\n" + minimalYAML
        #expect(failure(yaml) == "lifeboat.yaml:1: keys must be plain names, not lists")
    }

    @Test(arguments: ["Nuts-1", "-n1", "n 1", String(repeating: "a", count: 64), "nœud"])
    func invalidNodeName(name: String) {
        let yaml = minimal(replacingLine: 6, with: "  - name: \"\(name)\"")
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:6: nodes[0].name: "\#(name)" is not a valid name (1 to 63 of a-z, 0-9, '-', '_', '.', starting with a letter or digit)"#
        )
    }

    @Test(arguments: ["n1", "nuts-1", "a.b_c-d", "0", String(repeating: "a", count: 63)])
    func validNodeName(name: String) throws {
        let configuration = try parse(minimal(replacingLine: 6, with: "  - name: \"\(name)\""))
        #expect(configuration.nodes.first?.name == name)
    }

    @Test func invalidRepositoryName() {
        let yaml = minimal(replacingLine: 2, with: "  Primary:")
            .replacingOccurrences(of: "[primary]", with: "[Primary]")
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:2: repositories.Primary: "Primary" is not a valid name (1 to 63 of a-z, 0-9, '-', '_', '.', starting with a letter or digit)"#
        )
    }
}
