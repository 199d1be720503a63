import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatIdentity

/// Whole identity dumps against the real `age` binary (Debian package `age`), both ways; fails, never skips, without it.
@Suite struct DumpAgeInteropTests {
    static func agePath(_ name: String) throws -> String {
        for directory in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw IdentityTestFailure(description: "`\(name)` is not installed; these tests need it: apt-get install age")
    }

    /// A dump of real Nuts keys stored in a repository, plus the identity file written by `identity keygen`.
    private func storedDump(
        in directory: TemporaryDirectory
    ) async throws -> (TestRepository, IdentityDumpSummary, String, [String: String]) {
        let repo = try await TestRepository()
        let identityFile = directory.appending("key.txt")
        let recipient = try IdentityKeygen.write(to: identityFile)
        let keys = ["did:nuts:xyz#k1": TestKeys.p256(), "did:nuts:xyz#k2": TestKeys.p384()]
        let crypto = directory.appending("crypto")
        try FileManager.default.createDirectory(atPath: crypto, withIntermediateDirectories: true)
        for (name, pem) in keys { try Data(pem.utf8).write(to: URL(fileURLWithPath: "\(crypto)/\(name)_private.pem")) }
        let node = try makeNode("nuts-1", source: .filesystem(directory: crypto), recipients: [recipient.encoded])
        let summary = try await IdentityDumper(node: node, logger: Logger(label: "t")).dump(into: repo.repository)
        return (repo, summary, identityFile, keys)
    }

    @Test func lifeboatDumpDecryptsWithAge() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (repo, summary, identityFile, keys) = try await storedDump(in: directory)
        defer { repo.directory.remove() }
        let mode = try FileManager.default.attributesOfItem(atPath: identityFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // age-keygen -y reads the identity file `identity keygen` wrote.
        let publicKey = try runTool(try Self.agePath("age-keygen"), ["-y", identityFile], in: directory.path)
        #expect(String(decoding: publicKey.stdout, as: UTF8.self).hasPrefix("age1"))

        let exported = try await IdentityDumps.export(summary.name, repository: repo.repository, node: "nuts-1")
        try IdentityKeygen.writeNew(exported, to: directory.appending("dump.age"))
        let result = try runTool(try Self.agePath("age"), ["-d", "-i", identityFile, "dump.age"], in: directory.path)
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        #expect(object["format"] as? String == IdentityDumpDocument.currentFormat)
        #expect(object["name"] as? String == summary.name)
        let dumped = try #require(object["keys"] as? [[String: Any]])
        #expect(Dictionary(uniqueKeysWithValues: dumped.map { ($0["name"] as? String ?? "", $0["material"] as? String ?? "") }) == keys)

        let stranger = directory.appending("other.txt")
        try IdentityKeygen.write(to: stranger)
        #expect(try runTool(try Self.agePath("age"), ["-d", "-i", stranger, "dump.age"], in: directory.path).status != 0)
    }

    @Test func ageEncryptedDumpIsReadByLifeboat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let identityFile = directory.appending("key.txt")
        let recipient = try IdentityKeygen.write(to: identityFile)
        let pem = TestKeys.p256()
        let document = IdentityDumpDocument(
            name: "nuts-1-iddump-20261122T031500Z", node: "nuts-1", sourceType: "fs", source: "/var/lib/nuts/crypto",
            created: Date(timeIntervalSince1970: 1_795_317_300),
            keys: [try CollectedIdentity.pemKey(name: "k1", pem: pem, origin: "test")])
        try Data(try document.encoded()).write(to: URL(fileURLWithPath: directory.appending("plain.json")))
        let result = try runTool(
            try Self.agePath("age"), ["-r", recipient.encoded, "-o", "dump.age", "plain.json"], in: directory.path)
        #expect(result.status == 0)
        let file = Array(try Data(contentsOf: URL(fileURLWithPath: directory.appending("dump.age"))))
        let decrypted = try IdentityDumps.decrypt(file, identities: try IdentityDumps.loadIdentities(identityFile))
        #expect(decrypted == document)
        #expect(decrypted.keys.first?.material == pem)
    }
}
