import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatCrypto
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatIdentity

/// The Canton restore kit: its files, their modes, and the never-reuse rule for participant identifiers.
@Suite struct RestoreKitTests {
    /// A Canton dump collected from the stand-in.
    private func cantonDocument() async throws -> IdentityDumpDocument {
        let fixture = try CantonSourceTests.Fixture(mode: "authorized")
        defer { fixture.stop() }
        return try await fixture.collect()
    }

    @Test func kitHoldsDumpSecretValuesComposeAndChecklist() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let document = try await cantonDocument()
        let catalog = try Catalog(path: directory.appending("catalog.db"))
        defer { try? catalog.close() }
        let output = directory.appending("kit")
        var options = RestoreKit.Options(newParticipantIdentifier: "validator-1-restored-1")
        options.namespace = "validator"
        let files = try await RestoreKit.write(document, options: options, directory: output, catalog: catalog)
        #expect(files.count == 5)
        func text(_ name: String) throws -> String {
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: output + "/" + name)), as: UTF8.self)
        }
        func mode(_ name: String) throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: output + "/" + name)[.posixPermissions] as? Int
        }
        #expect(try FileManager.default.attributesOfItem(atPath: output)[.posixPermissions] as? Int == 0o700)
        #expect(try text(RestoreKit.File.dump) == document.cantonDump)
        #expect(try mode(RestoreKit.File.dump) == 0o600)
        #expect(try mode(RestoreKit.File.secret) == 0o600)

        let secret = try text(RestoreKit.File.secret)
        #expect(
            secret.contains(
                "kind: Secret\nmetadata:\n  name: participant-identities-dump\n  namespace: validator\ntype: Opaque\ndata:\n  content: "))
        let content = try #require(secret.split(separator: "\n").first { $0.hasPrefix("  content: ") })
        #expect(Data(base64Encoded: String(content.dropFirst("  content: ".count))) == Data((document.cantonDump ?? "").utf8))

        let values = try text(RestoreKit.File.values)
        #expect(values.contains("nodeIdentifier: \"validator-1\""))
        #expect(
            values.contains(
                "participantIdentitiesDumpImport:\n  secretName: participant-identities-dump\n  newParticipantIdentifier: validator-1-restored-1\nmigrateValidatorParty: true"
            ))

        let compose = try text(RestoreKit.File.compose)
        #expect(
            compose.contains("./start.sh")
                && compose.contains("-i \"$(dirname \"$0\")/participant-identities-dump.json\" -P validator-1-restored-1 -w"))
        #expect(compose.contains("-p \"$PARTY_HINT\"") && compose.contains("-o \"$ONBOARDING_SECRET\""))

        let checklist = try text(RestoreKit.File.checklist)
        for item in ["Same party hint", "Same onboarding secret", "users and clients", "auto-init disabled", document.cantonID ?? "?"] {
            #expect(checklist.contains(item), "checklist lacks \(item)")
        }
        let used = try await catalog.usedParticipantIdentifiers(node: "validator-1")
        #expect(used.map(\.identifier) == ["validator-1-restored-1"])
    }

    @Test func reusedIdentifierIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let document = try await cantonDocument()
        let catalog = try Catalog(path: directory.appending("catalog.db"))
        defer { try? catalog.close() }
        let options = RestoreKit.Options(newParticipantIdentifier: "restored-2")
        try await RestoreKit.write(document, options: options, directory: directory.appending("kit1"), catalog: catalog)
        let error = await lifeboatError {
            try await RestoreKit.write(document, options: options, directory: directory.appending("kit2"), catalog: catalog)
        }
        #expect(error?.code == .alreadyExists)
        #expect(error?.message.hasPrefix("participant identifier restored-2 was already used by node validator-1 on ") == true)
        #expect(!FileManager.default.fileExists(atPath: directory.appending("kit2")))

        let own = await lifeboatError {
            try await RestoreKit.write(
                document, options: RestoreKit.Options(newParticipantIdentifier: "validator-1"), directory: directory.appending("kit3"),
                catalog: catalog)
        }
        #expect(own?.message.hasPrefix("participant identifier validator-1 is the one in dump") == true)

        let bad = await lifeboatError {
            try await RestoreKit.write(
                document, options: RestoreKit.Options(newParticipantIdentifier: "a b"), directory: directory.appending("kit4"),
                catalog: catalog)
        }
        #expect(bad?.code == .invalidArgument)
    }

    @Test func nutsDumpHasNoKit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try Catalog.inMemory()
        let document = try IdentityRestoreTests.document(["k": TestKeys.p256()])
        let error = await lifeboatError {
            try await RestoreKit.write(
                document, options: RestoreKit.Options(newParticipantIdentifier: "x"), directory: directory.appending("kit"),
                catalog: catalog)
        }
        #expect(error?.code == .unsupported)
    }
}
