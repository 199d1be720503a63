import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatCrypto
import LifeboatRepository
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatIdentity

/// Dumps stored in a real repository: snapshot layout, listing, export, and no key bytes in the clear anywhere.
@Suite struct IdentityDumpStorageTests {
    /// A Nuts datadir with real keys, a repository and an age identity.
    struct Fixture {
        let repo: TestRepository
        let identity = AgeX25519Identity.generate()
        let keys: [String: String]
        let node: NodeConfiguration
        let logs = LogCollector()

        init() async throws {
            repo = try await TestRepository()
            keys = ["did:nuts:abc#key-1": TestKeys.p256(), "did:nuts:abc#key-2": TestKeys.ed25519(), "rsa": try TestKeys.rsa()]
            let crypto = repo.directory.appending("datadir/crypto")
            try FileManager.default.createDirectory(atPath: crypto, withIntermediateDirectories: true)
            for (name, pem) in keys {
                try Data(pem.utf8).write(to: URL(fileURLWithPath: crypto + "/" + name + "_private.pem"))
            }
            node = try makeNode(
                "nuts-1", source: .filesystem(directory: "crypto"), recipients: [identity.recipient.encoded],
                datadir: repo.directory.appending("datadir"))
        }

        var dumper: IdentityDumper {
            IdentityDumper(node: node, logger: logs.logger(), stagingParent: repo.directory.path)
        }
    }

    @Test func dumpIsStoredListedAndExported() async throws {
        let fixture = try await Fixture()
        defer { fixture.repo.directory.remove() }
        let first = try await fixture.dumper.dump(into: fixture.repo.repository, now: Date(timeIntervalSince1970: 1_795_317_300))
        let second = try await fixture.dumper.dump(into: fixture.repo.repository)
        #expect(first.name == "nuts-1-iddump-20261122T031500Z")
        #expect(first.keyCount == 3 && first.sourceType == "fs")
        #expect(first.fingerprint == second.fingerprint, "same keys, same fingerprint")

        let listed = try await IdentityDumps.list(repository: fixture.repo.repository, node: "nuts-1")
        #expect(listed.map(\.name) == [first.name, second.name])
        #expect(listed.first == first)
        #expect(try await IdentityDumps.list(repository: fixture.repo.repository, node: "other").isEmpty)

        let snapshot = try await fixture.repo.repository.findSnapshot(first.snapshotID)
        #expect(snapshot.snapshot.kind == .identity && snapshot.snapshot.node == "nuts-1")

        let exported = try await IdentityDumps.export(first.name, repository: fixture.repo.repository, node: "nuts-1")
        #expect(exported.starts(with: Data("age-encryption.org/v1\n".utf8)))
        let document = try IdentityDumps.decrypt(Array(exported), identities: [fixture.identity])
        #expect(document.keys.count == 3)
        #expect(Dictionary(uniqueKeysWithValues: document.keys.map { ($0.name, $0.material ?? "") }) == fixture.keys)

        let (manifest, _) = try await IdentityDumps.files(of: first, repository: fixture.repo.repository)
        #expect(manifest.keyCount == 3 && manifest.recipients == [fixture.identity.recipient.encoded])
        #expect(manifest.keys.map(\.name).sorted() == fixture.keys.keys.sorted())
        #expect(manifest.fingerprint == first.fingerprint)

        let latest = try await IdentityDumps.find("latest", repository: fixture.repo.repository, node: "nuts-1")
        #expect(latest == second)
        let byID = try await IdentityDumps.find(String(first.snapshotID.prefix(8)), repository: fixture.repo.repository, node: "nuts-1")
        #expect(byID == first)
        let missing = await lifeboatError { _ = try await IdentityDumps.find("nope", repository: fixture.repo.repository, node: "nuts-1") }
        #expect(missing?.code == .notFound)
    }

    @Test func noKeyMaterialInTheClear() async throws {
        let fixture = try await Fixture()
        defer { fixture.repo.directory.remove() }
        _ = try await fixture.dumper.dump(into: fixture.repo.repository)
        _ = try await fixture.dumper.dump(into: fixture.repo.repository)
        // Restoring the snapshot with the repository password yields ciphertext and the manifest only.
        let summary = try #require(try await IdentityDumps.list(repository: fixture.repo.repository, node: "nuts-1").first)
        let record = try await fixture.repo.repository.findSnapshot(summary.snapshotID)
        let restored = fixture.repo.directory.appending("restored")
        _ = try await fixture.repo.repository.restore(record, options: RestoreOptions(target: restored))
        let restoredFiles = TestRepository.files(under: restored)
        #expect(Set(restoredFiles.map(\.0)) == ["\(summary.name)/\(summary.name).age", "\(summary.name)/manifest.json"])

        var scanned = TestRepository.files(under: fixture.repo.path) + restoredFiles
        scanned.append(("log", Array(fixture.logs.text.utf8)))
        #expect(scanned.count > 5)
        #expect(fixture.logs.text.contains("identity dump stored"))
        // Nothing was left in the staging area.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.repo.directory.path)
        #expect(!leftovers.contains { $0.hasPrefix("lifeboat-identity-") })
        // Positive control: the same scan finds the keys where they are in the clear.
        let plaintext = try await fixture.dumper.collect().encoded()
        for pem in fixture.keys.values {
            let (body, der) = TestKeys.secretForms(of: pem)
            #expect(plaintext.contains(bytes: Array(body.utf8.prefix(64))))
            #expect(TestKeys.der(of: pem).contains(bytes: der))
        }
        for (name, pem) in fixture.keys {
            let (body, der) = TestKeys.secretForms(of: pem)
            for (file, bytes) in scanned {
                #expect(
                    !bytes.contains(bytes: Array(body.utf8)) && !bytes.contains(bytes: Array(body.utf8.prefix(64))),
                    "PEM text of \(name) found in \(file)")
                #expect(!bytes.contains(bytes: der), "DER bytes of \(name) found in \(file)")
            }
        }
    }

    @Test func cantonDumpLeavesNoKeyBytesInRepository() async throws {
        let repo = try await TestRepository()
        defer { repo.directory.remove() }
        let fixture = try CantonSourceTests.Fixture(mode: "authorized")
        defer { fixture.stop() }
        let logs = LogCollector()
        let identity = AgeX25519Identity.generate()
        var node = try fixture.node()
        node.identity?.recipients = [identity.recipient.encoded]
        let summary = try await IdentityDumper(node: node, logger: logs.logger()).dump(into: repo.repository)
        #expect(summary.keyCount == 3 && summary.sourceType == "canton" && summary.name.hasPrefix("validator-1-iddump-"))
        let served = try fixture.served()
        let keyPairs = try #require(served.dump["keys"] as? [[String: Any]]).compactMap { $0["keyPair"] as? String }
        var secrets = served.privateKeys.compactMap { Hex.decode($0) } + keyPairs.map { Array($0.utf8) }
        secrets.append(Array(CantonSourceTests.token.utf8))
        #expect(secrets.count == 7)
        let scanned = TestRepository.files(under: repo.path) + [("log", Array(logs.text.utf8))]
        for secret in secrets {
            for (file, bytes) in scanned {
                #expect(!bytes.contains(bytes: secret), "secret bytes found in \(file)")
            }
        }
        // The participant id is public and is what the log names.
        #expect(logs.text.contains(served.dump["id"] as? String ?? "?"))
    }

    @Test func passphraseEncryptionAndWrongIdentity() async throws {
        let fixture = try await Fixture()
        defer { fixture.repo.directory.remove() }
        let summary = try await fixture.dumper.dump(
            into: fixture.repo.repository, encryption: .passphrase("dump passphrase", workFactor: 10))
        let exported = try await IdentityDumps.export(summary.name, repository: fixture.repo.repository, node: "nuts-1")
        #expect(try IdentityDumps.decrypt(Array(exported), passphrase: "dump passphrase").keys.count == 3)
        let wrong = await lifeboatError { _ = try IdentityDumps.decrypt(Array(exported), passphrase: "repository password") }
        #expect(wrong?.code == .wrongPassword)

        let other = try await fixture.dumper.dump(into: fixture.repo.repository)
        let bytes = try await IdentityDumps.export(other.snapshotID, repository: fixture.repo.repository, node: "nuts-1")
        let stranger = await lifeboatError { _ = try IdentityDumps.decrypt(Array(bytes), identities: [AgeX25519Identity.generate()]) }
        #expect(stranger?.code == .wrongPassword)
        #expect(stranger?.message.hasPrefix("the identity file does not open this dump") == true)
    }

    @Test func nodeWithoutRecipientsOrIdentityIsRefused() async throws {
        let fixture = try await Fixture()
        defer { fixture.repo.directory.remove() }
        let bare = NodeConfiguration(name: "bare")
        let error = await lifeboatError {
            _ = try await IdentityDumper(node: bare, logger: Logger(label: "t")).dump(into: fixture.repo.repository)
        }
        #expect(error?.message == "node bare has no identity: section in the configuration; add one to take identity dumps")
        var node = fixture.node
        node.identity?.recipients = ["age1notvalid"]
        let badRecipient = await lifeboatError {
            _ = try await IdentityDumper(node: node, logger: Logger(label: "t")).dump(into: fixture.repo.repository)
        }
        #expect(badRecipient?.message.hasPrefix("identity recipient age1notvalid is not a valid age X25519 recipient") == true)
        #expect(try await fixture.repo.repository.snapshots().isEmpty)
    }
}
