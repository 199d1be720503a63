import LifeboatConfig
import Testing

/// `stores:` entries: each type with its own keys, paths relative to the datadir.
@Suite struct ConfigStoreTests {
    /// A node with `datadir` (if given) whose `stores:` list is `stores` (indented list lines, starting on line 6).
    static func yaml(stores: String, datadir: String? = "/var/lib/n1") -> String {
        """
        repositories:
          primary: {url: /srv/repo, password_file: /etc/pass}
        nodes:
          - name: n1
            \(datadir.map { "datadir: \($0)" } ?? "profile: generic")
            stores:
        \(stores)
            backups: {interval: 6h, max: 3, repositories: [primary]}
        """
    }

    @Test func pathStores() throws {
        let stores = """
                  - {type: sqlite, path: network/data.db}
                  - {type: file, path: vcr/trusted_issuers.yaml}
                  - {type: dir, path: /var/lib/extra}
                  - {type: shelf, directory: backups}
            """
        let node = try #require(try parse(Self.yaml(stores: stores)).nodes.first)
        #expect(
            node.stores == [
                .sqlite(path: "network/data.db"), .file(path: "vcr/trusted_issuers.yaml"),
                .directory(path: "/var/lib/extra"), .shelf(directory: "backups"),
            ])
        #expect(node.resolvedPath("network/data.db") == "/var/lib/n1/network/data.db")
        #expect(node.resolvedPath("/var/lib/extra") == "/var/lib/extra")
    }

    @Test func relativePathNeedsADatadir() {
        #expect(
            failure(Self.yaml(stores: "      - {type: sqlite, path: data.db}", datadir: nil))
                == #"lifeboat.yaml:7: nodes[0].stores[0].path: "data.db" is relative but the node has no datadir; give datadir or an absolute path"#
        )
    }

    @Test func absolutePathNeedsNoDatadir() throws {
        let node = try #require(try parse(Self.yaml(stores: "      - {type: sqlite, path: /data.db}", datadir: nil)).nodes.first)
        #expect(node.stores == [.sqlite(path: "/data.db")])
        #expect(node.datadir == nil)
    }

    @Test func relativePathMustStayInTheDatadir() {
        #expect(
            failure(Self.yaml(stores: "      - {type: file, path: a/../../etc/passwd}"))
                == #"lifeboat.yaml:7: nodes[0].stores[0].path: "a/../../etc/passwd" leads out of the datadir; use an absolute path instead"#
        )
    }

    @Test func datadirMustBeAbsolute() {
        #expect(
            failure(Self.yaml(stores: "      - {type: sqlite, path: data.db}", datadir: "var/lib/n1"))
                == #"lifeboat.yaml:5: nodes[0].datadir: "var/lib/n1" is not an absolute path; datadir must start with /"#)
    }

    @Test func samePathTwice() {
        let stores = "      - {type: sqlite, path: data.db}\n      - {type: sqlite, path: data.db}"
        #expect(
            failure(Self.yaml(stores: stores)) == #"lifeboat.yaml:8: nodes[0].stores[1].path: path "data.db" is used twice (also line 7)"#)
    }

    @Test func unknownType() {
        #expect(
            failure(Self.yaml(stores: "      - {type: mongodb, url: mongodb://db}"))
                == #"lifeboat.yaml:7: nodes[0].stores[0].type: "mongodb" is not a store type (expected one of: sqlite, file, dir, shelf, redis, postgres, mysql)"#
        )
    }

    @Test func missingType() {
        #expect(
            failure(Self.yaml(stores: "      - {path: data.db}"))
                == #"lifeboat.yaml:7: nodes[0].stores[0]: missing required key "type" (one of: sqlite, file, dir, shelf, redis, postgres, mysql)"#
        )
    }

    @Test func redis() throws {
        let stores = """
                  - {type: redis, url: "redis://127.0.0.1:6379/0", password_file: redis.pass}
                  - {type: redis, url: "rediss://cache.example:6380"}
                  - {type: redis, url: "unix:///run/redis.sock", tls: false}
            """
        let node = try #require(try parse(Self.yaml(stores: stores)).nodes.first)
        #expect(
            node.stores == [
                .redis(RedisStore(url: "redis://127.0.0.1:6379/0", passwordFile: "/etc/lifeboat/redis.pass", tls: false)),
                .redis(RedisStore(url: "rediss://cache.example:6380", tls: true)),
                .redis(RedisStore(url: "unix:///run/redis.sock", tls: false)),
            ])
    }

    @Test func redisPasswordInURLIsRefusedWithoutEchoingIt() throws {
        let message = try #require(failure(Self.yaml(stores: "      - {type: redis, url: \"redis://:hunter2@db:6379\"}")))
        #expect(
            message
                == "lifeboat.yaml:7: nodes[0].stores[0].url: the URL contains a password; put the password in a file instead (password_file, or ~/.pgpass for PostgreSQL)"
        )
        #expect(!message.contains("hunter2"))
    }

    @Test func redissWithTLSOff() {
        #expect(
            failure(Self.yaml(stores: "      - {type: redis, url: \"rediss://db\", tls: false}"))
                == "lifeboat.yaml:7: nodes[0].stores[0].tls: a rediss:// URL always uses TLS; remove tls: false or use redis://")
    }

    @Test func redisWrongScheme() {
        #expect(
            failure(Self.yaml(stores: "      - {type: redis, url: \"http://db\"}"))
                == #"lifeboat.yaml:7: nodes[0].stores[0].url: "http://db" is not a URL starting with redis://, rediss://, unix://, e.g. redis://127.0.0.1:6379/0"#
        )
    }

    @Test func postgresSingleURL() throws {
        let node = try #require(
            try parse(Self.yaml(stores: "      - {type: postgres, url: \"postgres://backup@db:5432/app\"}")).nodes.first)
        #expect(
            node.stores == [
                .postgres(PostgresStore(databases: [PostgresDatabase(name: "app", url: "postgres://backup@db:5432/app")]))
            ])
    }

    @Test func postgresDatabasesInOrder() throws {
        let stores = """
                  - type: postgres
                    databases:
                      - {name: validator, url: "postgresql://splice@db/validator"}
                      - {name: participant, url: "postgresql://splice@db/participant", tables: [contracts, public.keys]}
                    order: parallel
            """
        let node = try #require(try parse(Self.yaml(stores: stores)).nodes.first)
        guard case .postgres(let store) = node.stores.first else {
            Issue.record("expected a postgres store")
            return
        }
        #expect(store.databases.map(\.name) == ["validator", "participant"])
        #expect(store.databases.map(\.tables) == [[], ["contracts", "public.keys"]])
        #expect(store.order == .parallel)
    }

    @Test func postgresTablesMustBeNames() {
        let stores = """
                  - type: postgres
                    databases:
                      - {name: app, url: "postgres://db/a", tables: [a.b.c]}
            """
        #expect(
            failure(Self.yaml(stores: stores))
                == #"lifeboat.yaml:9: nodes[0].stores[0].databases[0].tables[0]: "a.b.c" is not a table name; write table or schema.table"#)
    }

    @Test func postgresNeedsURLXorDatabases() {
        #expect(
            failure(Self.yaml(stores: "      - {type: postgres, order: sequential}"))
                == "lifeboat.yaml:7: nodes[0].stores[0]: give exactly one of url, databases")
        let both = "      - {type: postgres, url: \"postgres://db/a\", databases: [{name: a, url: \"postgres://db/a\"}]}"
        #expect(failure(Self.yaml(stores: both)) == "lifeboat.yaml:7: nodes[0].stores[0]: give exactly one of url, databases")
    }

    @Test func postgresDuplicateDatabaseNameAndBadOrder() {
        let duplicate = """
                  - type: postgres
                    databases:
                      - {name: app, url: "postgres://db/a"}
                      - {name: app, url: "postgres://db/b"}
            """
        #expect(
            failure(Self.yaml(stores: duplicate))
                == #"lifeboat.yaml:10: nodes[0].stores[0].databases[1].name: database name "app" is used twice (also line 9)"#)
        #expect(
            failure(Self.yaml(stores: "      - {type: postgres, url: \"postgres://db/a\", order: random}"))
                == #"lifeboat.yaml:7: nodes[0].stores[0].order: "random" is not a dump order (expected one of: sequential, parallel)"#)
    }

    @Test func storesWithoutBackups() {
        let yaml = Self.yaml(stores: "      - {type: sqlite, path: data.db}")
            .replacingOccurrences(of: "    backups: {interval: 6h, max: 3, repositories: [primary]}", with: "")
        #expect(
            failure(yaml) == "lifeboat.yaml:6: nodes[0].stores: the node lists stores but has no backups schedule; add backups")
    }

    @Test func backupsWithoutStores() {
        let yaml = Self.yaml(stores: "").replacingOccurrences(of: "    stores:\n\n", with: "")
        #expect(
            failure(yaml) == "lifeboat.yaml:6: nodes[0].backups: the node has no stores to back up; list them under stores")
    }

    @Test func nodeWithNothingToBackUp() {
        let yaml = """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/pass}
            nodes:
              - name: n1
                profile: nuts
            """
        #expect(failure(yaml) == "lifeboat.yaml:4: nodes[0]: nothing to back up; give stores with backups, identity, or both")
    }
}
