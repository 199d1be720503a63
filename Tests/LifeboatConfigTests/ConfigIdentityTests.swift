import LifeboatConfig
import LifeboatCore
import Testing

/// `identity:` sections: the key source (fs, vault, canton) and the age recipients.
@Suite struct ConfigIdentityTests {
    /// A node with only an identity section whose `source:` body is `source` (starting on line 11) and recipients `recipients`.
    static func yaml(source: String, recipients: String = "[\(recipient)]", datadir: Bool = true) -> String {
        """
        repositories:
          primary: {url: /srv/repo, password_file: /etc/pass}
        nodes:
          - name: n1
            \(datadir ? "datadir: /var/lib/n1" : "profile: nuts")
            identity:
              interval: 24h
              max: 14
              repositories: [primary]
              recipients: \(recipients)
              source:
        \(source)
        """
    }

    @Test func filesystemSource() throws {
        let node = try #require(try parse(Self.yaml(source: "        type: fs\n        directory: crypto")).nodes.first)
        let identity = try #require(node.identity)
        #expect(identity.source == .filesystem(directory: "crypto"))
        #expect(identity.recipients == [recipient])
        #expect(identity.plan.schedule == .interval(try Interval("24h")))
        #expect(identity.plan.max == 14)
        #expect(node.backups == nil)
        #expect(node.stores.isEmpty)
    }

    @Test func filesystemSourceRelativeNeedsDatadir() {
        #expect(
            failure(Self.yaml(source: "        type: fs\n        directory: crypto", datadir: false))
                == #"lifeboat.yaml:13: nodes[0].identity.source.directory: "crypto" is relative but the node has no datadir; give datadir or an absolute path"#
        )
    }

    @Test func vaultSourceWithDefaults() throws {
        let source = "        type: vault\n        address: https://vault.example:8200\n        token_env: VAULT_TOKEN"
        let identity = try #require(try parse(Self.yaml(source: source)).nodes.first?.identity)
        #expect(
            identity.source
                == .vault(
                    VaultSource(
                        address: "https://vault.example:8200", token: .environment("VAULT_TOKEN"), prefix: "kv", kvVersion: 1,
                        timeout: try Interval("5s"))))
    }

    @Test func vaultSourceWithEverything() throws {
        let source = """
                    type: vault
                    address: http://127.0.0.1:8200
                    token_file: vault.token
                    prefix: secret
                    kv_version: 2
                    timeout: 10s
                    ca_file: /etc/ssl/vault.pem
            """
        let identity = try #require(try parse(Self.yaml(source: source)).nodes.first?.identity)
        #expect(
            identity.source
                == .vault(
                    VaultSource(
                        address: "http://127.0.0.1:8200", token: .file("/etc/lifeboat/vault.token"), prefix: "secret",
                        kvVersion: 2, timeout: try Interval("10s"), caFile: "/etc/ssl/vault.pem")))
    }

    @Test func vaultProblems() {
        let base = "        type: vault\n        address: https://vault:8200\n"
        #expect(
            failure(Self.yaml(source: base + "        token_env: T\n        kv_version: 3"))
                == "lifeboat.yaml:15: nodes[0].identity.source.kv_version: 3 is out of range; use 1 to 2")
        #expect(
            failure(Self.yaml(source: base + "        token_env: T\n        token_file: /t"))
                == "lifeboat.yaml:11: nodes[0].identity.source: give exactly one of token_file, token_env")
        #expect(
            failure(Self.yaml(source: base)) == "lifeboat.yaml:11: nodes[0].identity.source: give exactly one of token_file, token_env")
        #expect(
            failure(Self.yaml(source: "        type: vault\n        address: vault:8200\n        token_env: T"))
                == #"lifeboat.yaml:13: nodes[0].identity.source.address: "vault:8200" is not an http(s) URL, e.g. https://vault.example:8200"#
        )
        #expect(
            failure(Self.yaml(source: base + "        token_env: T\n        prefix: /kv/"))
                == #"lifeboat.yaml:15: nodes[0].identity.source.prefix: "/kv/" must not start or end with /; write the mount path, e.g. kv"#
        )
    }

    @Test func cantonSourceWithTokenFile() throws {
        let source = "        type: canton\n        url: https://validator.example\n        token_file: /etc/lifeboat/canton.token"
        let identity = try #require(try parse(Self.yaml(source: source)).nodes.first?.identity)
        #expect(
            identity.source
                == .canton(
                    CantonSource(url: "https://validator.example", authentication: .tokenFile("/etc/lifeboat/canton.token"))))
    }

    @Test func cantonSourceWithOAuth() throws {
        let source = """
                    type: canton
                    url: https://validator.example
                    oauth:
                      token_url: https://auth.example/oauth/token
                      client_id: lifeboat
                      client_secret_file: oauth.secret
            """
        let identity = try #require(try parse(Self.yaml(source: source)).nodes.first?.identity)
        let client = OAuthClient(
            tokenURL: "https://auth.example/oauth/token", clientID: "lifeboat", clientSecretFile: "/etc/lifeboat/oauth.secret")
        #expect(identity.source == .canton(CantonSource(url: "https://validator.example", authentication: .oauth(client))))
    }

    @Test func cantonNeedsOneAuthentication() {
        #expect(
            failure(Self.yaml(source: "        type: canton\n        url: https://validator.example"))
                == "lifeboat.yaml:11: nodes[0].identity.source: give exactly one of token_file, oauth")
        #expect(
            failure(
                Self.yaml(source: "        type: canton\n        url: https://v\n        token_file: /t\n        oauth: {client_id: x}"))
                == "lifeboat.yaml:11: nodes[0].identity.source: give exactly one of token_file, oauth")
    }

    @Test func oauthMissingSecretFile() {
        let source = "        type: canton\n        url: https://v\n        oauth: {token_url: https://a/t, client_id: x}"
        #expect(
            failure(Self.yaml(source: source))
                == #"lifeboat.yaml:14: nodes[0].identity.source.oauth: missing required key "client_secret_file""#)
    }

    @Test func unknownSourceType() {
        #expect(
            failure(Self.yaml(source: "        type: hsm"))
                == #"lifeboat.yaml:12: nodes[0].identity.source.type: "hsm" is not an identity source type (expected one of: fs, vault, canton, azure-keyvault)"#
        )
    }

    @Test func sourceIsRequired() {
        let yaml = Self.yaml(source: "").replacingOccurrences(of: "      source:\n", with: "")
        #expect(
            failure(yaml)
                == #"lifeboat.yaml:6: nodes[0].identity: missing required key "source" ({type: fs, directory: crypto}, or type vault, canton or azure-keyvault)"#
        )
    }

    @Test(arguments: [
        (
            "[age2ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]",
            #"lifeboat.yaml:10: nodes[0].identity.recipients[0]: "age2ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p" is not an age recipient; it must start with age1 (age-keygen -y KEYFILE prints one)"#
        ),
        (
            "[age1qlbz7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]",
            #"lifeboat.yaml:10: nodes[0].identity.recipients[0]: "age1qlbz7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p" is not an age X25519 recipient: "b" cannot appear after age1 (bech32 uses lowercase letters and digits except 1, b, i, o)"#
        ),
        ("[age1qq]", #"lifeboat.yaml:10: nodes[0].identity.recipients[0]: "age1qq" is too short for an age recipient"#),
        ("[]", "lifeboat.yaml:10: nodes[0].identity.recipients: list at least one age recipient; without one no dump could be decrypted"),
        (
            "[\(recipient), \(recipient)]",
            #"lifeboat.yaml:10: nodes[0].identity.recipients[1]: recipient "\#(recipient)" is used twice (also line 10)"#
        ),
    ])
    func recipientProblems(recipients: String, expected: String) {
        #expect(failure(Self.yaml(source: "        type: fs\n        directory: crypto", recipients: recipients)) == expected)
    }
}
