import Foundation
import LifeboatConfig
import Testing

/// The Nuts profile's store lists, checked against the Nuts documentation's facts as
/// `shared/docs/PRODUCT.md` records them ("Restore file list: v5.0–5.3 copy
/// network/data.db, vcr/backup-issued-credentials.db, vdr/didstore.db; v5.4 adds
/// vcr/backup-credentials.db and vcr/backup-revoked-credentials.db"; search indexes,
/// network/connections.db and events/ are rebuilt or not needed), typed out here rather
/// than read from the product's table.
@Suite struct NutsStoreListTests {
    static let documented: [String: [String]] = [
        "5.0": ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"],
        "5.1": ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"],
        "5.2": ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"],
        "5.3": ["network/data.db", "vcr/backup-issued-credentials.db", "vdr/didstore.db"],
        "5.4": [
            "network/data.db", "vcr/backup-credentials.db", "vcr/backup-issued-credentials.db",
            "vcr/backup-revoked-credentials.db", "vdr/didstore.db",
        ],
    ]
    static let rebuilt = ["network/connections.db", "vcr/credentials.db", "vcr/issued-credentials.db", "vcr/verifier-store.db"]

    static func config(version: String?, stores: [String]) throws -> LifeboatConfiguration {
        let storeLines = stores.map { "      - \($0)" }.joined(separator: "\n")
        return try parse(
            """
            repositories:
              primary: {url: /srv/repo, password_file: /etc/lifeboat/repo.pass}
            nodes:
              - name: nuts-1
                profile: nuts
                datadir: /var/lib/nuts
            \(version.map { "    version: \"\($0)\"" } ?? "")
                stores:
            \(storeLines)
                backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
            """)
    }

    static func sqlite(_ files: [String]) -> [String] { files.map { "{type: sqlite, path: \($0)}" } }

    @Test(arguments: ["5.0", "5.1", "5.2", "5.3", "5.4"])
    func theDocumentedListIsComplete(version: String) throws {
        let files = try #require(Self.documented[version])
        let config = try Self.config(version: version, stores: Self.sqlite(files) + ["{type: file, path: vcr/trusted_issuers.yaml}"])
        #expect(config.storeListAdvice().isEmpty, "\(config.storeListAdvice())")
        let node = try #require(config.nodes.first)
        #expect(NutsStoreList.restoreFiles(version: version) == files.sorted())
        // Each documented file left out is named.
        for missing in files {
            let advice = try Self.config(version: version, stores: Self.sqlite(files.filter { $0 != missing })).storeListAdvice()
            #expect(advice.count == 1 && advice[0].contains(missing) && advice[0].contains("Nuts \(version)"), "\(advice)")
        }
        #expect(NutsStoreList.coverage(of: node).lacking.isEmpty)
    }

    @Test func rebuiltStoresAndLaterReleasesStoresAreExtra() throws {
        for file in Self.rebuilt {
            let advice = try Self.config(version: "5.4", stores: Self.sqlite(Self.documented["5.4"]! + [file])).storeListAdvice()
            #expect(advice.count == 1 && advice[0].contains(file) && advice[0].contains("need not be backed up"), "\(advice)")
        }
        // A 5.3 node has no 5.4 credential stores.
        let older = try Self.config(version: "5.3", stores: Self.sqlite(Self.documented["5.3"]! + ["vcr/backup-credentials.db"]))
        let advice = older.storeListAdvice()
        #expect(advice.count == 1 && advice[0].contains("vcr/backup-credentials.db") && advice[0].contains("5.4"), "\(advice)")
        // events/ as a directory store is extra too.
        let events = try Self.config(version: "5.0", stores: Self.sqlite(Self.documented["5.0"]!) + ["{type: dir, path: events}"])
        #expect(events.storeListAdvice().count == 1)
    }

    @Test func aShelfOrADirectoryCoversTheStoresBelowIt() throws {
        let shelf = try Self.config(version: "5.4", stores: ["{type: shelf, directory: /var/lib/nuts-shelf}"])
        #expect(shelf.storeListAdvice().isEmpty)
        #expect(NutsStoreList.coverage(of: try #require(shelf.nodes.first)).viaShelf)
        let dirs = try Self.config(
            version: "5.4", stores: ["{type: dir, path: network}", "{type: dir, path: vcr}", "{type: dir, path: /var/lib/nuts/vdr}"])
        #expect(dirs.storeListAdvice().isEmpty, "\(dirs.storeListAdvice())")
        let partial = try Self.config(version: "5.4", stores: ["{type: dir, path: vcr}"])
        let lacking = NutsStoreList.coverage(of: try #require(partial.nodes.first)).lacking
        #expect(lacking == ["network/data.db", "vdr/didstore.db"])
    }

    @Test func withoutAVersionTheCommonListIsRequiredAndOnlyRebuiltFilesAreExtra() throws {
        let config = try Self.config(version: nil, stores: Self.sqlite(Self.documented["5.4"]!))
        #expect(config.storeListAdvice().isEmpty)
        let short = try Self.config(version: nil, stores: Self.sqlite(["network/data.db", "vdr/didstore.db"]))
        let advice = short.storeListAdvice()
        #expect(advice.count == 1 && advice[0].contains("vcr/backup-issued-credentials.db"), "\(advice)")
        // A generic node is never judged.
        let generic = try parse(minimalYAML)
        #expect(generic.storeListAdvice().isEmpty)
    }
}

/// `migration_id`: a Canton validator's network migration id.
@Suite struct MigrationIDConfigTests {
    static func node(_ profile: String, _ value: String) -> String {
        """
        repositories:
          primary: {url: /srv/repo, password_file: /etc/lifeboat/repo.pass}
        nodes:
          - name: v1
            profile: \(profile)
            datadir: /var/lib/v1
            migration_id: \(value)
            stores: [{type: sqlite, path: a.db}]
            backups: {cron: "0 * * * *", max: 3, repositories: [primary]}
        """
    }

    @Test func aCantonNodeTakesAMigrationID() throws {
        #expect(try parse(Self.node("canton", "4")).nodes.first?.migrationID == 4)
        #expect(try parse(Self.node("canton", "0")).nodes.first?.migrationID == 0)
    }

    @Test func otherProfilesAndBadValuesAreRefused() {
        let nuts = failure(Self.node("nuts", "4"))
        #expect(nuts?.contains("nodes[0].migration_id") == true && nuts?.contains("canton") == true, "\(nuts ?? "")")
        let negative = failure(Self.node("canton", "-1"))
        #expect(negative?.contains("migration_id") == true, "\(negative ?? "")")
        let text = failure(Self.node("canton", "three"))
        #expect(text?.contains("migration_id") == true, "\(text ?? "")")
    }
}
