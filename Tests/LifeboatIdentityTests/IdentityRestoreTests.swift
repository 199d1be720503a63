import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatCrypto
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatIdentity

/// Restoring keys: the Nuts key directory (modes, the --force rule) and Vault write-back (KV v1 and v2).
@Suite struct IdentityRestoreTests {
    static func document(_ keys: [String: String]) throws -> IdentityDumpDocument {
        IdentityDumpDocument(
            name: "nuts-1-iddump-20261122T031500Z", node: "nuts-1", sourceType: "fs", source: "test", created: Date(),
            keys: try keys.keys.sorted().map { try CollectedIdentity.pemKey(name: $0, pem: keys[$0] ?? "", origin: "test") })
    }

    static func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func filesystemRestoreModesAndForce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let crypto = directory.appending("datadir/crypto")
        let node = try makeNode(source: .filesystem(directory: crypto), recipients: [AgeX25519Identity.generate().recipient.encoded])
        let restorer = IdentityRestorer(node: node, logger: Logger(label: "t"))
        let keys = ["did:nuts:abc#key-1": TestKeys.p256(), "k2": TestKeys.ed25519()]
        let first = try await restorer.restore(try Self.document(keys))
        #expect(first.written == ["did:nuts:abc#key-1", "k2"] && first.unchanged.isEmpty && first.target == crypto)
        #expect(try Self.mode(crypto) == 0o700)
        for name in keys.keys {
            let path = "\(crypto)/\(name)_private.pem"
            #expect(try Self.mode(path) == 0o600)
            #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self) == keys[name])
        }
        // The same keys again: nothing to do.
        let again = try await restorer.restore(try Self.document(keys))
        #expect(again.unchanged.count == 2 && again.written.isEmpty)

        // A different key under an existing name is refused, and nothing else is written.
        let changed = ["k2": TestKeys.ed25519(), "k3": TestKeys.p256()]
        let error = await lifeboatError { _ = try await restorer.restore(try Self.document(changed)) }
        #expect(error?.code == .alreadyExists)
        #expect(
            error?.message == "key directory \(crypto) already holds a different key for k2; nothing was written (pass --force to replace)")
        #expect(!FileManager.default.fileExists(atPath: "\(crypto)/k3_private.pem"))
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: "\(crypto)/k2_private.pem")), as: UTF8.self) == keys["k2"])

        let forced = try await restorer.restore(try Self.document(changed), force: true)
        #expect(forced.replaced == ["k2"] && forced.written == ["k3"])
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: "\(crypto)/k2_private.pem")), as: UTF8.self) == changed["k2"])
        #expect(try Self.mode("\(crypto)/k2_private.pem") == 0o600)
    }

    @Test func hostileKeyNamesAreRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let node = try makeNode(
            source: .filesystem(directory: directory.path), recipients: [AgeX25519Identity.generate().recipient.encoded])
        var document = try Self.document(["k": TestKeys.p256()])
        document.keys[0].name = "../escape"
        let error = await lifeboatError { _ = try await IdentityRestorer(node: node, logger: Logger(label: "t")).restore(document) }
        #expect(error?.message == "key name \"../escape\" in the dump is not a valid file name; refusing to restore it")
    }

    @Test(arguments: [1, 2])
    func vaultWriteBack(version: Int) async throws {
        let fixture = try VaultSourceTests.Fixture()
        defer { fixture.stop() }
        let node = try fixture.node(kvVersion: version)
        let keys = ["did:nuts:abc#key-1": TestKeys.p256(), "k2": TestKeys.ed25519()]
        let summary = try await IdentityRestorer(node: node, logger: Logger(label: "t")).restore(try Self.document(keys))
        #expect(summary.written.count == 2)
        // Read back through the source: what the Nuts node would see.
        let read = try await IdentityDumper(node: node, logger: Logger(label: "t")).collect()
        #expect(Dictionary(uniqueKeysWithValues: read.keys.map { ($0.name, $0.material ?? "") }) == keys)

        let changed = ["k2": TestKeys.p256()]
        let error = await lifeboatError {
            _ = try await IdentityRestorer(node: node, logger: Logger(label: "t")).restore(try Self.document(changed))
        }
        #expect(error?.code == .alreadyExists)
        #expect(error?.message.contains("already holds a different key for k2; nothing was written (pass --force to replace)") == true)
        let forced = try await IdentityRestorer(node: node, logger: Logger(label: "t")).restore(try Self.document(changed), force: true)
        #expect(forced.replaced == ["k2"])
    }

    @Test func cantonDumpIsNotRestoredAsFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let node = try makeNode(
            "validator-1", source: .canton(CantonSource(url: "http://127.0.0.1:9", authentication: .tokenFile("/t"))),
            recipients: [AgeX25519Identity.generate().recipient.encoded])
        let document = IdentityDumpDocument(
            name: "validator-1-iddump-x", node: "validator-1", sourceType: "canton", source: "x", created: Date(), keys: [])
        let error = await lifeboatError { _ = try await IdentityRestorer(node: node, logger: Logger(label: "t")).restore(document) }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("lifeboat identity restore-kit validator-1 validator-1-iddump-x") == true)
    }
}
