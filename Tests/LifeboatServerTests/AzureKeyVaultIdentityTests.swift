import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs
import LifeboatTestSupport
import Logging
import Testing

/// A Nuts 6 node whose keys are in Azure Key Vault: the Nuts 6 storage documentation says
/// "Keys created through this storage backend are marked as non-exportable", so an identity
/// dump must fail saying so (never a success with zero keys) and the doctor must name the
/// backup the operator relies on. No Azure endpoint is contacted: nothing could be exported.
@Suite struct AzureKeyVaultIdentityTests {
    static let vault = "https://nuts-keys.vault.azure.net/"

    @Test func theDumperRefusesWithTheReasonAndTheRestorerPointsAtAzure() async throws {
        let plan = BackupPlan(schedule: try Schedule(parsing: "24h"), max: 14, repositories: ["primary"])
        let node = NodeConfiguration(
            name: "nuts-6", profile: .nuts6, datadir: "/var/lib/nuts",
            identity: IdentityConfiguration(
                plan: plan, source: .azureKeyVault(AzureKeyVaultSource(url: Self.vault)),
                recipients: ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]))
        let dumper = IdentityDumper(node: node, logger: Logger(label: "test"))
        let refused = await #expect(throws: LifeboatError.self) { _ = try await dumper.collect() }
        #expect(refused?.code == .unsupported)
        #expect(refused?.message.contains("non-exportable") == true && refused?.message.contains(Self.vault) == true)
        #expect(refused?.message.contains("soft-delete and purge protection") == true)
        let restorer = IdentityRestorer(node: node, logger: Logger(label: "test"))
        let document = IdentityDumpDocument(
            name: "nuts-6-iddump-x", node: "nuts-6", sourceType: "fs", source: "crypto", created: Date(), keys: [])
        let notRestored = await #expect(throws: LifeboatError.self) { _ = try await restorer.restore(document) }
        #expect(notRestored?.message.contains("az keyvault key restore") == true)
    }

    @Test func theDaemonsIdentityJobFailsNamingWhyAndTheDoctorNamesTheBackup() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-azure-kv")
        let identity = """
            interval: 1h
            max: 2
            repositories: [primary]
            source: {type: azure-keyvault, url: "\(Self.vault)"}
            recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]
            """
        let text = DaemonHarness.yaml(dir: dir, backups: "interval: 1h\nmax: 3\nrepositories: [primary]", identity: identity)
            .replacingOccurrences(of: "  - name: n1\n", with: "  - name: n1\n    profile: nuts6\n")
        let h = try await DaemonHarness(dir: dir, configuration: text)
        defer { Task { await h.stop() } }
        let started = try await h.call(.POST, "/api/v1/nodes/n1/identity-dumps")
        #expect(started.status == 202)
        let job = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(job["state"] as? String == "Failed", "\(job)")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("non-exportable") && error.contains(Self.vault), "\(job)")
        let dumps = try #require(try await h.call(.GET, "/api/v1/nodes/n1/identity-dumps", token: DaemonHarness.viewerToken).json as? [Any])
        #expect(dumps.isEmpty, "no dump is stored")

        let report = try ConsoleBrowser.decoder.decode(
            DoctorReport.self, from: try await h.call(.GET, "/api/v1/doctor?node=n1", token: DaemonHarness.viewerToken).body)
        let finding = try #require(report.findings.first { $0.check == "identity-non-exportable" }, "\(report.findings)")
        #expect(finding.remedy.contains("soft-delete and purge protection") && finding.remedy.contains("az keyvault key backup"))
        #expect(
            !report.findings.contains { $0.check.hasPrefix("identity-") && $0.check != "identity-non-exportable" }, "\(report.findings)")
    }
}
