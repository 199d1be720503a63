import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatJobs

/// The doctor's store-list checks on a Nuts node: stores its release needs (the documented
/// 5.4 list, typed out), files the node rebuilds, and the shelf the node writes its copies to.
@Suite struct DoctorStoreListTests {
    static let documented54 = [
        "network/data.db", "vcr/backup-credentials.db", "vcr/backup-issued-credentials.db", "vcr/backup-revoked-credentials.db",
        "vdr/didstore.db",
    ]

    @Test func missingAndExtraStoresAreFindings() {
        let node = NodeConfiguration(
            name: "nuts-1", profile: .nuts, datadir: "/var/lib/nuts",
            stores: (Self.documented54.dropFirst() + ["network/connections.db"]).map { .sqlite(path: $0) }, version: "5.4")
        let findings = Doctor.storeList(node)
        #expect(findings.count == 2, "\(findings)")
        let missing = findings.first { $0.check == "store-missing" }
        #expect(missing?.severity == .error && missing?.message.contains("network/data.db") == true)
        let extra = findings.first { $0.check == "store-extra" }
        #expect(extra?.severity == .warning && extra?.message.contains("network/connections.db") == true)
        let complete = NodeConfiguration(
            name: "nuts-1", profile: .nuts, datadir: "/var/lib/nuts", stores: Self.documented54.map { .sqlite(path: $0) }, version: "5.4")
        #expect(Doctor.storeList(complete).isEmpty)
    }

    @Test func aShelfMustExistAndHoldEachStore() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-doctor-shelf")
        defer { dir.remove() }
        let shelf = dir.appending("shelf")
        let node = NodeConfiguration(name: "nuts-1", profile: .nuts, datadir: dir.path, stores: [.shelf(directory: shelf)], version: "5.4")
        let absent = Doctor.storeList(node)
        #expect(absent.map(\.check) == ["shelf-missing"], "\(absent)")
        #expect(absent.first?.remedy.contains("storage.bbolt.backup.directory") == true)
        for file in Self.documented54.dropLast() {
            try FileManager.default.createDirectory(
                atPath: ((shelf + "/" + file) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data("bolt".utf8).write(to: URL(fileURLWithPath: shelf + "/" + file))
        }
        let partial = Doctor.storeList(node)
        #expect(partial.map(\.check) == ["shelf-incomplete"] && partial.first?.message.contains("vdr/didstore.db") == true, "\(partial)")
        try FileManager.default.createDirectory(atPath: shelf + "/vdr", withIntermediateDirectories: true)
        try Data("bolt".utf8).write(to: URL(fileURLWithPath: shelf + "/vdr/didstore.db"))
        #expect(Doctor.storeList(node).isEmpty)
    }
}

/// The doctor on Nuts 6 nodes: the SQL database the restore needs, and keys held in Azure Key
/// Vault, which the Nuts 6 storage documentation says are non-exportable.
@Suite struct DoctorNuts6Tests {
    static let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

    @Test func aNuts6NodeWithoutItsSQLDatabaseIsAnError() {
        let lacking = NodeConfiguration(
            name: "nuts-6", profile: .nuts6, datadir: "/var/lib/nuts", stores: [.file(path: "vcr/trusted_issuers.yaml")], version: "6.0")
        let findings = Doctor.storeList(lacking)
        #expect(findings.map(\.check) == ["store-missing"], "\(findings)")
        #expect(findings.first?.message.contains("sqlite.db") == true && findings.first?.message.contains("Nuts 6.0") == true)
        #expect(findings.first?.remedy.contains("{type: sqlite, path: sqlite.db}") == true)
        let mysql = NodeConfiguration(
            name: "nuts-6", profile: .nuts6, datadir: "/var/lib/nuts", stores: [.mysql(MySQLStore(url: "mysql://nuts@db/nuts"))])
        #expect(Doctor.storeList(mysql).isEmpty)
    }

    @Test func azureKeyVaultKeysNameTheBackupToRelyOn() throws {
        let plan = BackupPlan(schedule: try Schedule(parsing: "24h"), max: 14, repositories: ["primary"])
        let vault = "https://nuts-keys.vault.azure.net/"
        let node = NodeConfiguration(
            name: "nuts-6", profile: .nuts6, datadir: "/var/lib/nuts", stores: [.sqlite(path: "sqlite.db")],
            identity: IdentityConfiguration(
                plan: plan, source: .azureKeyVault(AzureKeyVaultSource(url: vault)), recipients: [Self.recipient]))
        let findings = Doctor.keyStore(node)
        #expect(findings.count == 1)
        let finding = findings.first
        #expect(finding?.check == "identity-non-exportable" && finding?.severity == .warning)
        #expect(finding?.message.contains("non-exportable") == true && finding?.message.contains(vault) == true)
        #expect(finding?.remedy.contains("soft-delete and purge protection") == true)
        #expect(finding?.remedy.contains("az keyvault key backup") == true)
        #expect(!Doctor.dumpsIdentity(node))
        var fs = node
        fs.identity?.source = .filesystem(directory: "crypto")
        #expect(Doctor.keyStore(fs).isEmpty && Doctor.dumpsIdentity(fs))
    }

    /// A node whose API does not answer is one finding naming its URL and what to do.
    @Test func anUnreachableNodeAPIIsOneFindingWithTheRemedy() async throws {
        let port = try LoopbackHTTP.freePort()  // nothing listens there
        let node = NodeConfiguration(
            name: "nuts-1", profile: .nuts, datadir: "/var/lib/nuts", stores: DoctorStoreListTests.documented54.map { .sqlite(path: $0) },
            version: "5.4",
            control: NodeControl(url: "http://127.0.0.1:\(port)"))
        let findings = await DoctorProbes(timeout: .seconds(2)).health(node)
        #expect(findings.count == 1, "\(findings)")
        let finding = try #require(findings.first)
        #expect(finding.check == "health" && finding.severity == .error)
        #expect(finding.message.contains("http://127.0.0.1:\(port)/status does not answer"), "\(finding.message)")
        #expect(finding.remedy.contains("control.url") && !finding.remedy.contains("validator"), "\(finding.remedy)")
    }
}
