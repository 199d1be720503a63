import Foundation
import LifeboatConfig
import Testing

/// The `nuts6` profile's store list, from the Nuts 6 storage documentation (nuts-node
/// `docs/pages/deployment/storage.rst`, read through the library's search): "The Nuts node uses
/// two types of storage: SQL database for storing DID documents and Verifiable Credentials;
/// private key storage"; "if no connection string is set this will default to SQLite in a
/// file called sqlite.db in the configured data directory"; supported servers PostgreSQL,
/// MySQL, SQL Server. did:nuts nodes keep the Nuts 5 BBolt stores; the search indexes
/// (`vcr/credentials.db`, …) are still rebuilt. Typed out here, not read from the product.
@Suite struct Nuts6StoreListTests {
    static func config(_ stores: [String], version: String? = "6.1") throws -> LifeboatConfiguration {
        try parse(
            """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/lifeboat/repo.pass}
            nodes:
              - name: nuts-6
                profile: nuts6
                datadir: /var/lib/nuts
            \(version.map { "    version: \"\($0)\"" } ?? "")
                stores:
            \(stores.map { "      - \($0)" }.joined(separator: "\n"))
                backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
            """)
    }

    @Test(arguments: [
        "{type: sqlite, path: sqlite.db}", "{type: sqlite, path: /var/lib/nuts/sqlite.db}", "{type: sqlite, path: /srv/nuts-db/nuts.db}",
        "{type: postgres, url: \"postgres://nuts@db:5432/nuts\"}", "{type: mysql, url: \"mysql://nuts@db:3306/nuts\"}",
        "{type: dir, path: /var/lib/nuts}",
    ])
    func theSQLDatabaseInAnyOfItsFormsCoversTheNode(store: String) throws {
        let config = try Self.config([store, "{type: file, path: vcr/trusted_issuers.yaml}"])
        #expect(config.storeListAdvice().isEmpty, "\(config.storeListAdvice())")
    }

    @Test func withoutTheSQLDatabaseTheAdviceSaysWhatToAdd() throws {
        let advice = try Self.config(["{type: file, path: vcr/trusted_issuers.yaml}", "{type: file, path: sqlite.db}"]).storeListAdvice()
        #expect(
            advice == [
                "node nuts-6: no store covers the SQL database (sqlite.db in the datadir unless storage.sql.connection names a server), which Nuts 6.1 needs restored; add {type: sqlite, path: sqlite.db}, or a postgres or mysql store for the server storage.sql.connection names"
            ])
        let unversioned = try Self.config(["{type: file, path: vcr/trusted_issuers.yaml}"], version: nil).storeListAdvice()
        #expect(unversioned.count == 1 && unversioned[0].contains("every Nuts 6 release (no version given)"))
    }

    @Test func didNutsStoresAreNotExtraButSearchIndexesAndWALFilesAre() throws {
        let didNuts = ["network/data.db", "vcr/backup-credentials.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"]
        let kept = try Self.config(["{type: sqlite, path: sqlite.db}"] + didNuts.map { "{type: sqlite, path: \($0)}" })
        #expect(kept.storeListAdvice().isEmpty, "\(kept.storeListAdvice())")
        let extra = try Self.config([
            "{type: sqlite, path: sqlite.db}", "{type: sqlite, path: vcr/credentials.db}", "{type: file, path: sqlite.db-wal}",
        ]).storeListAdvice()
        #expect(extra.count == 2, "\(extra)")
        #expect(extra.contains { $0.contains("vcr/credentials.db") && $0.contains("need not be backed up") })
        #expect(extra.contains { $0.contains("sqlite.db-wal") && $0.contains("write-ahead log") })
    }
}
