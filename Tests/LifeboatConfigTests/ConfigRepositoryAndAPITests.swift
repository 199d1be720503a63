import LifeboatConfig
import Testing

/// `repositories:` URLs and credentials, and `api.tokens`.
@Suite struct ConfigRepositoryAndAPITests {
    @Test(arguments: [
        ("/srv/lifeboat/repo", "/srv/lifeboat/repo", RepositoryConfiguration.Kind.directory),
        ("repo", "/etc/lifeboat/repo", .directory),
        ("../backups/./repo", "/etc/backups/repo", .directory),
        ("s3://backups/lifeboat/prod", "s3://backups/lifeboat/prod", .s3),
        ("s3://backups", "s3://backups", .s3),
        ("s3:http://127.0.0.1:9000/backups/lifeboat", "s3:http://127.0.0.1:9000/backups/lifeboat", .s3),
        ("s3:https://minio.example/bucket-1", "s3:https://minio.example/bucket-1", .s3),
    ])
    func repositoryURL(written: String, expected: String, kind: RepositoryConfiguration.Kind) throws {
        let configuration = try parse(minimal(replacingLine: 3, with: "    url: \"\(written)\""))
        let repository = try #require(configuration.repository(named: "primary"))
        #expect(repository.url == expected)
        #expect(repository.kind == kind)
    }

    @Test(arguments: [
        (
            "sftp://host/repo",
            #""sftp://host/repo" is not a supported repository URL; use a directory, s3:http(s)://HOST[:PORT]/BUCKET/PREFIX or s3://BUCKET/PREFIX"#
        ),
        ("s3://", #""s3://" has no bucket; use s3://BUCKET/PREFIX or s3:http(s)://HOST[:PORT]/BUCKET/PREFIX"#),
        (
            "s3:http://minio:9000",
            #""s3:http://minio:9000" has no bucket; use s3://BUCKET/PREFIX or s3:http(s)://HOST[:PORT]/BUCKET/PREFIX"#
        ),
        ("s3:http://minio:99999/b", #""s3:http://minio:99999/b" has an invalid port "99999"; use 1 to 65535"#),
        ("s3://Backups/x", #""s3://Backups/x" has an invalid bucket name "Backups" (3 to 63 of a-z, 0-9, '.', '-')"#),
        ("s3:ftp://host/b", #""s3:ftp://host/b" is not an S3 URL; use s3://BUCKET/PREFIX or s3:http(s)://HOST[:PORT]/BUCKET/PREFIX"#),
        (
            "s3:http://key:secret@minio/b",
            "an S3 URL must not contain credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the daemon's environment"
        ),
        ("~/repo", #""~/repo": ~ is not expanded here; write the full path"#),
    ])
    func badRepositoryURL(written: String, expected: String) {
        #expect(
            failure(minimal(replacingLine: 3, with: "    url: \"\(written)\"")) == "lifeboat.yaml:3: repositories.primary.url: \(expected)")
    }

    @Test func credentials() throws {
        let yaml = minimal(
            replacingLine: 2,
            with: """
                  other: {url: s3://bucket/x, key_file: keys/repo.key, region: eu-west-1}
                  third: {url: /srv/third, password_env: THIRD_PASSWORD}
                  primary:
                """)
        let configuration = try parse(yaml)
        #expect(configuration.repositories.map(\.name) == ["other", "third", "primary"])
        #expect(configuration.repository(named: "other")?.credential == .keyFile("/etc/lifeboat/keys/repo.key"))
        #expect(configuration.repository(named: "other")?.region == "eu-west-1")
        #expect(configuration.repository(named: "third")?.credential == .passwordEnvironment("THIRD_PASSWORD"))
        #expect(configuration.repository(named: "primary")?.credential == .passwordFile("/etc/lifeboat/repo.pass"))
    }

    @Test func regionOnlyForS3() {
        #expect(
            failure(minimal(replacingLine: 4, with: "    password_file: /p\n    region: eu-west-1"))
                == "lifeboat.yaml:5: repositories.primary.region: only S3 repositories have a region")
    }

    @Test func passwordEnvMustBeAVariableName() {
        #expect(
            failure(minimal(replacingLine: 4, with: "    password_env: \"my password\""))
                == #"lifeboat.yaml:4: repositories.primary.password_env: "my password" is not an environment variable name (letters, digits and _, e.g. LIFEBOAT_PASSWORD)"#
        )
    }

    static let hashOfTest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    @Test func tokens() throws {
        let yaml =
            minimalYAML + """

                api:
                  tokens:
                    - {name: ops, role: operator, sha256: \(Self.hashOfTest.uppercased())}
                    - {name: dash, role: viewer, sha256: \(String(repeating: "ab", count: 32))}
                """
        let tokens = try parse(yaml).api.tokens
        #expect(
            tokens == [
                APIToken(name: "ops", role: .operator, sha256: Self.hashOfTest),
                APIToken(name: "dash", role: .viewer, sha256: String(repeating: "ab", count: 32)),
            ])
    }

    @Test func noAPISectionMeansNoTokens() throws {
        #expect(try parse(minimalYAML).api.tokens.isEmpty)
    }

    @Test func tokenProblems() {
        func yaml(_ token: String) -> String { minimalYAML + "\napi:\n  tokens:\n    - \(token)\n" }
        #expect(
            failure(yaml("{name: ops, role: root, sha256: \(Self.hashOfTest)}"))
                == #"lifeboat.yaml:17: api.tokens[0].role: "root" is not a role (expected one of: viewer, operator, admin)"#)
        #expect(
            failure(yaml("{name: ops, role: admin, sha256: abc123}"))
                == "lifeboat.yaml:17: api.tokens[0].sha256: expected 64 hex digits (a SHA-256, e.g. from `printf %s TOKEN | sha256sum`), got 6 characters"
        )
        #expect(
            failure(yaml("{name: ops, role: admin, sha256: \(String(repeating: "g", count: 64))}"))
                == "lifeboat.yaml:17: api.tokens[0].sha256: expected 64 hex digits (a SHA-256, e.g. from `printf %s TOKEN | sha256sum`), got 64 characters"
        )
        #expect(
            failure(yaml("{name: ops, role: admin}"))
                == #"lifeboat.yaml:17: api.tokens[0]: missing required key "sha256" (the token's SHA-256 in hex; the token itself never goes in the file)"#
        )
    }

    @Test func restoreRoots() throws {
        let roots = try parse(minimalYAML + "\napi:\n  restore_roots: [/srv/restores, /srv/other/../kits/]\n").api.restoreRoots
        #expect(roots == ["/srv/restores", "/srv/kits"])
        #expect(try parse(minimalYAML).api.restoreRoots.isEmpty)
        let relative = try #require(failure(minimalYAML + "\napi:\n  restore_roots: [srv/restores]\n"))
        #expect(relative.hasPrefix("lifeboat.yaml:16: api.restore_roots[0]: "), "\(relative)")
        #expect(relative.contains("\"srv/restores\" must be an absolute directory"), "\(relative)")
        let twice = try #require(failure(minimalYAML + "\napi:\n  restore_roots: [/srv/a, /srv/b/../a]\n"))
        #expect(twice.contains("restore root \"/srv/a\""), "\(twice)")
        let notAList = try #require(failure(minimalYAML + "\napi:\n  restore_roots: /srv/a\n"))
        #expect(notAList.contains("api.restore_roots"), "\(notAList)")
    }

    @Test func duplicateTokens() {
        let sameName =
            minimalYAML + """

                api:
                  tokens:
                    - {name: ops, role: admin, sha256: \(Self.hashOfTest)}
                    - {name: ops, role: viewer, sha256: \(String(repeating: "0", count: 64))}
                """
        #expect(failure(sameName) == #"lifeboat.yaml:18: api.tokens[1].name: token name "ops" is used twice (also line 17)"#)
        let sameHash =
            minimalYAML + """

                api:
                  tokens:
                    - {name: ops, role: admin, sha256: \(Self.hashOfTest)}
                    - {name: dash, role: viewer, sha256: \(Self.hashOfTest.uppercased())}
                """
        #expect(failure(sameHash) == "lifeboat.yaml:18: api.tokens[1].sha256: this hash is used twice (also line 17)")
    }
}
