import Foundation
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `lifeboat identity …` end to end: keygen, dump from a config file, list, export (read by the real `age`), restore, restore-kit.
@Suite struct IdentityCLITests {
    static let p256Key = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcWQpYk0kf5LoyssU
        SCA6zYV18cm+hm6lBZiemvGBgYKhRANCAASOhQh7k6k0CbcpUy0qcDGdwJ/tsRzZ
        /uoj6RQ9XehMZYvSrqwc1U0WTW9ynlzzwdIZkDIEr+uvaJLURrF9qmsJ
        -----END PRIVATE KEY-----

        """

    /// A datadir with one Nuts key, a repository, an age identity and a config naming both.
    struct Setup {
        let directory: TemporaryDirectory
        let cli: CLI
        let recipient: String

        init(cantonURL: String? = nil) async throws {
            directory = try TemporaryDirectory(prefix: "lifeboat-identity-cli")
            cli = CLI(extra: ["LIFEBOAT_REPOSITORY": directory.appending("repo")])
            let crypto = directory.appending("datadir/crypto")
            try FileManager.default.createDirectory(atPath: crypto, withIntermediateDirectories: true)
            try Data(IdentityCLITests.p256Key.utf8).write(to: URL(fileURLWithPath: crypto + "/did:nuts:abc#key-1_private.pem"))
            let keygen = try await cli.run(["identity", "keygen", "-o", directory.appending("key.txt")])
            guard keygen.status == 0 else { throw CLITestFailure(description: "keygen failed: \(keygen.stderr)") }
            recipient = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            var yaml = """
                catalog: \(directory.appending("catalog.sqlite"))
                repositories:
                  primary:
                    url: \(directory.appending("repo"))
                    password_env: LIFEBOAT_PASSWORD
                nodes:
                  - name: nuts-1
                    profile: nuts
                    datadir: \(directory.appending("datadir"))
                    identity:
                      interval: 24h
                      max: 14
                      repositories: [primary]
                      source: {type: fs, directory: crypto}
                      recipients: [\(recipient)]

                """
            if let cantonURL {
                try Data("canton-cli-token\n".utf8).write(to: URL(fileURLWithPath: directory.appending("token")))
                yaml += """
                      - name: validator-1
                        profile: canton
                        identity:
                          interval: 24h
                          max: 14
                          repositories: [primary]
                          source: {type: canton, url: "\(cantonURL)", token_file: \(directory.appending("token"))}
                          recipients: [\(recipient)]

                    """
            }
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: directory.appending("lifeboat.yaml")))
            let initialized = try await cli.run(["init"])
            guard initialized.status == 0 else { throw CLITestFailure(description: "init failed: \(initialized.stderr)") }
        }

        var config: String { directory.appending("lifeboat.yaml") }
    }

    struct CLITestFailure: Error, CustomStringConvertible {
        let description: String
    }

    @Test func keygenDumpListExportRestore() async throws {
        let setup = try await Setup()
        defer { setup.directory.remove() }
        let cli = setup.cli
        #expect(setup.recipient.hasPrefix("age1"))
        var info = stat()
        #expect(stat(setup.directory.appending("key.txt"), &info) == 0 && info.st_mode & 0o777 == 0o600)

        let dump = try await cli.run(["identity", "dump", "nuts-1", "--config", setup.config, "--json"])
        #expect(dump.status == 0, "\(dump.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let name = try #require(summary["name"] as? String)
        #expect(name.hasPrefix("nuts-1-iddump-") && name.hasSuffix("Z"))
        #expect(summary["key_count"] as? Int == 1)

        let list = try await cli.run(["identity", "list", "nuts-1", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == [name])
        #expect(!list.stdout.contains("PRIVATE KEY") && !list.stdout.contains("SCA6zYV18cm"))
        let table = try await cli.run(["identity", "list", "nuts-1"])
        #expect(table.stdout.contains(name) && table.stdout.contains("1 identity dump\n"))

        let exported = setup.directory.appending("dump.age")
        let export = try await cli.run(["identity", "export", "nuts-1", name, "-o", exported])
        #expect(export.status == 0, "\(export.stderr)")
        let age = Process()
        age.executableURL = URL(fileURLWithPath: "/usr/bin/age")
        age.arguments = ["-d", "-i", setup.directory.appending("key.txt"), exported]
        let out = Pipe()
        age.standardOutput = out
        try age.run()
        let plaintext = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        age.waitUntilExit()
        #expect(age.terminationStatus == 0)
        #expect(plaintext.contains("SCA6zYV18cm+hm6lBZiemvGBgYKhRANCAASOhQh7k6k0CbcpUy0qcDGdwJ/tsRzZ"))
        #expect(try await cli.run(["identity", "export", "nuts-1", name, "-o", exported]).status != 0, "never overwrites")

        let target = setup.directory.appending("restored-crypto")
        let restore = try await cli.run([
            "identity", "restore", "nuts-1", "latest", "--identity-file", setup.directory.appending("key.txt"), "--config", setup.config,
            "--directory", target,
        ])
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try String(contentsOfFile: target + "/did:nuts:abc#key-1_private.pem", encoding: .utf8)
        #expect(restored == Self.p256Key)
        try Data("-----BEGIN PRIVATE KEY-----\nother\n-----END PRIVATE KEY-----\n".utf8)
            .write(to: URL(fileURLWithPath: target + "/did:nuts:abc#key-1_private.pem"))
        let refused = try await cli.run([
            "identity", "restore", "nuts-1", name, "--identity-file", setup.directory.appending("key.txt"), "--config", setup.config,
            "--directory", target,
        ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("already holds a different key for did:nuts:abc#key-1"), "\(refused.stderr)")
        let forced = try await cli.run([
            "identity", "restore", "nuts-1", name, "--identity-file", setup.directory.appending("key.txt"), "--config", setup.config,
            "--directory", target, "--force",
        ])
        #expect(forced.status == 0 && forced.stdout.contains("1 replaced"), "\(forced.stderr)")

        // Every byte the CLI left in the repository and printed is free of the key.
        for (output, label) in [(dump.stdout + dump.stderr, "dump"), (list.stdout, "list")] {
            #expect(!output.contains("SCA6zYV18cm"), "key text in \(label) output")
        }
        let enumerator = FileManager.default.enumerator(atPath: setup.directory.appending("repo"))
        let keyLine = Data("SCA6zYV18cm+hm6lBZiemvGBgYKhRANCAASOhQh7k6k0CbcpUy0qcDGdwJ/tsRzZ".utf8)
        while let file = enumerator?.nextObject() as? String {
            let data = FileManager.default.contents(atPath: setup.directory.appending("repo/" + file)) ?? Data()
            #expect(data.range(of: keyLine) == nil, "key text in repo/\(file)")
        }
    }

    @Test func dumpFailureIsOneLineAndExitCode() async throws {
        let setup = try await Setup()
        defer { setup.directory.remove() }
        try FileManager.default.removeItem(atPath: setup.directory.appending("datadir/crypto/did:nuts:abc#key-1_private.pem"))
        let result = try await setup.cli.run(["identity", "dump", "nuts-1", "--config", setup.config])
        #expect(result.status == 1)
        #expect(result.stderr.contains("holds no *_private.pem file; refusing to store an empty dump"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try await setup.cli.run(["identity", "dump", "nope", "--config", setup.config]).stderr.contains("no node nope"))
    }

    @Test func restoreKitFromCantonStandIn() async throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "Fixtures")
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = [
            "-u", fixtures.appendingPathComponent("canton_identities_standin.py").path, "--port", "0", "--token", "canton-cli-token",
        ]
        let pipe = Pipe()
        server.standardOutput = pipe
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try #require(Int(line.dropFirst("PORT ".count)))
        let setup = try await Setup(cantonURL: "http://127.0.0.1:\(port)")
        defer { setup.directory.remove() }
        let dump = try await setup.cli.run(["identity", "dump", "validator-1", "--config", setup.config])
        #expect(dump.status == 0, "\(dump.stderr)")
        let arguments = [
            "identity", "restore-kit", "validator-1", "latest", "--new-participant-id", "validator-1-r1", "--identity-file",
            setup.directory.appending("key.txt"), "--config", setup.config,
        ]
        let kit = try await setup.cli.run(arguments + ["-o", setup.directory.appending("kit")])
        #expect(kit.status == 0, "\(kit.stderr)")
        let values = try String(contentsOfFile: setup.directory.appending("kit/values-restore.yaml"), encoding: .utf8)
        #expect(values.contains("newParticipantIdentifier: validator-1-r1"))
        let again = try await setup.cli.run(arguments + ["-o", setup.directory.appending("kit2")])
        #expect(again.status == 1)
        #expect(again.stderr.contains("participant identifier validator-1-r1 was already used by node validator-1"), "\(again.stderr)")
    }
}
