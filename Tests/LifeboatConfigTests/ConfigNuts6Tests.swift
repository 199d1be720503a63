import LifeboatConfig
import Testing

/// The `nuts6` profile's configuration: its versions, the `mysql` store for a node whose
/// `storage.sql.connection` is MySQL/MariaDB, and the Azure Key Vault key source.
///
/// Facts from the Nuts 6 documentation (nuts-node `docs/pages/deployment/storage.rst` and
/// `server_options.rst`): supported SQL databases are PostgreSQL, MySQL, SQL Server and SQLite,
/// MySQL's connection string being the Go driver's `mysql://user:password@tcp(host:port)/db?…`;
/// `crypto.storage` takes `fs`, `vaultkv`, `azure-keyvault` or `external`; the Azure vault is
/// `crypto.azurekv.url`, and keys created there are non-exportable. Releases: 6.0, 6.1, 6.2.
@Suite struct ConfigNuts6Tests {
    /// A nuts6 node with a `version` line (if given), `stores` (one flow mapping each) and an identity `source`.
    static func yaml(
        version: String? = nil, profile: String = "nuts6", stores: [String] = ["{type: sqlite, path: sqlite.db}"], source: String? = nil
    )
        -> String
    {
        var text = """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/pass}
            nodes:
              - name: nuts-6
                profile: \(profile)
                datadir: /var/lib/nuts
            """
        if let version { text += "\n    version: \"\(version)\"" }
        text += "\n    stores:\n" + stores.map { "      - \($0)" }.joined(separator: "\n")
        text += "\n    backups: {interval: 1h, max: 3, repositories: [primary]}"
        if let source {
            text +=
                "\n    identity:\n      interval: 24h\n      max: 14\n      repositories: [primary]\n      recipients: [\(recipient)]\n      source: \(source)"
        }
        return text
    }

    @Test(arguments: ["6.0", "6.1", "6.2"])
    func nuts6VersionsAreKnown(version: String) throws {
        let node = try #require(try parse(Self.yaml(version: version)).nodes.first)
        #expect(node.profile == .nuts6 && node.version == version)
    }

    @Test func aVersionOfTheOtherGenerationNamesTheRightProfile() {
        #expect(
            failure(Self.yaml(version: "5.4"))
                == #"lifeboat.yaml:7: nodes[0].version: "5.4" is not a Nuts 6 version this profile knows (6.0, 6.1, 6.2); a Nuts 5 node takes profile: nuts"#
        )
        #expect(
            failure(Self.yaml(version: "6.1", profile: "nuts"))
                == #"lifeboat.yaml:7: nodes[0].version: "6.1" is not a Nuts version this profile knows (5.0, 5.1, 5.2, 5.3, 5.4); a Nuts 6 node takes profile: nuts6"#
        )
    }

    @Test func aMySQLStoreTakesAURLAndAPasswordFile() throws {
        let node = try #require(
            try parse(Self.yaml(stores: ["{type: mysql, url: \"mysql://nuts@db.internal:3307/nuts\", password_file: secrets/db.pass}"]))
                .nodes.first)
        let store = MySQLStore(url: "mysql://nuts@db.internal:3307/nuts", passwordFile: "/etc/lifeboat/secrets/db.pass")
        #expect(node.stores == [.mysql(store)])
        #expect(store.host == "db.internal" && store.port == 3307 && store.user == "nuts" && store.database == "nuts")
        #expect(MySQLStore(url: "mariadb://nuts@10.0.0.5/nodes").port == 3306)
    }

    @Test(arguments: [
        (
            "mysql://nuts:s3cret@tcp(db:3306)/nuts?charset=utf8mb4",
            #"this is the Go driver's DSN form (user:password@tcp(host:port)/db); write a URL without the password instead, e.g. mysql://nuts@127.0.0.1:3306/nuts"#
        ),
        (
            "mysql://nuts:s3cret@db:3306/nuts",
            "the URL contains a password; put the password in a file instead (password_file, or ~/.pgpass for PostgreSQL)"
        ),
        (
            "postgres://nuts@db/nuts",
            #""postgres://nuts@db/nuts" is not a URL starting with mysql://, mariadb://, e.g. mysql://nuts@127.0.0.1:3306/nuts"#
        ),
        ("mysql://db:3306/nuts", #""mysql://db:3306/nuts" names no user; write mysql://USER@db:3306/DATABASE"#),
        ("mysql://nuts@db:3306", #""mysql://nuts@db:3306" names no database; add it as the path, e.g. mysql://nuts@127.0.0.1:3306/nuts"#),
        (
            "mysql://nuts@db/nuts/extra",
            #""mysql://nuts@db/nuts/extra" names more than one path segment; the path is the one database, e.g. mysql://nuts@127.0.0.1:3306/nuts"#
        ),
        (
            "mysql://nuts@db/nuts?parseTime=True",
            #""mysql://nuts@db/nuts?parseTime=True" has a query (?…); remove it: Go driver options such as charset or parseTime mean nothing to mariadb-dump"#
        ),
        ("mysql://nuts@db:70000/nuts", #"port 70000 in "mysql://nuts@db:70000/nuts" is out of range; use 1-65535 (3306 by default)"#),
    ])
    func badMySQLURLsAreRefusedPrecisely(url: String, message: String) {
        let text = failure(Self.yaml(stores: ["{type: mysql, url: \"\(url)\"}"]))
        #expect(text == "lifeboat.yaml:8: nodes[0].stores[0].url: " + message)
        #expect(text?.contains("s3cret") == false, "a password is never echoed")
    }

    @Test func aMySQLStoreNeedsAURL() {
        #expect(
            failure(Self.yaml(stores: ["{type: mysql, password_file: /p}"]))
                == #"lifeboat.yaml:8: nodes[0].stores[0]: missing required key "url" (mysql://USER@HOST[:PORT]/DATABASE)"#)
    }

    @Test func azureKeyVaultIsANuts6KeySource() throws {
        let node = try #require(
            try parse(Self.yaml(source: "{type: azure-keyvault, url: \"https://nuts-keys.vault.azure.net/\"}")).nodes.first)
        #expect(node.identity?.source == .azureKeyVault(AzureKeyVaultSource(url: "https://nuts-keys.vault.azure.net/")))
        #expect(node.identity?.source.typeName == "azure-keyvault")
    }

    @Test func azureKeyVaultValuesAreCheckedAndKeptToNuts6() {
        #expect(
            failure(Self.yaml(source: "{type: azure-keyvault, url: \"http://nuts-keys.vault.azure.net\"}"))
                == #"lifeboat.yaml:15: nodes[0].identity.source.url: "http://nuts-keys.vault.azure.net" is not an https:// URL of a key vault, e.g. https://nuts-keys.vault.azure.net/"#
        )
        #expect(
            failure(Self.yaml(source: "{type: azure-keyvault, url: \"https://nuts-keys.vault.azure.net/keys/k1\"}"))
                == #"lifeboat.yaml:15: nodes[0].identity.source.url: "https://nuts-keys.vault.azure.net/keys/k1" has more than the vault's address; write https://nuts-keys.vault.azure.net/ (keys are not named here)"#
        )
        #expect(
            failure(Self.yaml(source: "{type: azure-keyvault}"))
                == #"lifeboat.yaml:15: nodes[0].identity.source: missing required key "url" (the vault's URL, the node's crypto.azurekv.url)"#
        )
        #expect(
            failure(
                Self.yaml(
                    profile: "nuts", stores: ["{type: sqlite, path: network/data.db}"],
                    source: "{type: azure-keyvault, url: \"https://k.vault.azure.net/\"}"))
                == "lifeboat.yaml:10: nodes[0].identity: an azure-keyvault key store is a Nuts 6 key store; this node's profile is nuts (use profile: nuts6, or the node's own key source)"
        )
    }
}
