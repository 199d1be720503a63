import AsyncHTTPClient
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatCrypto
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatIdentity

/// The `vault` source against the Vault KV stand-in (Tests/Fixtures/vault_standin.py).
@Suite struct VaultSourceTests {
    static let token = "s.test-token-9f8e7d"

    /// A running stand-in with mounts `kv` (v1) and `secret` (v2), and a token file.
    struct Fixture {
        let server: StandIn
        let directory: TemporaryDirectory
        let tokenFile: String

        init() throws {
            server = try StandIn("vault_standin.py", ["--token", VaultSourceTests.token, "--mount", "kv=1", "--mount", "secret=2"])
            directory = try TemporaryDirectory()
            tokenFile = directory.appending("token")
            try Data("\(VaultSourceTests.token)\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        }

        func source(kvVersion: Int, token: SecretSource? = nil) -> VaultSource {
            VaultSource(
                address: server.url, token: token ?? .file(tokenFile), prefix: kvVersion == 1 ? "kv" : "secret", kvVersion: kvVersion)
        }

        func node(kvVersion: Int, token: SecretSource? = nil) throws -> NodeConfiguration {
            try makeNode(
                source: .vault(source(kvVersion: kvVersion, token: token)), recipients: [AgeX25519Identity.generate().recipient.encoded])
        }

        /// Stores keys the way the Nuts node does, through the Vault API.
        func seed(_ keys: [String: String], kvVersion: Int) async throws {
            let store = try VaultKeyStore(source: source(kvVersion: kvVersion), client: .shared, environment: [:])
            for (name, pem) in keys { try await store.write(name, pem: pem) }
        }

        func stop() {
            server.stop()
            directory.remove()
        }
    }

    @Test(arguments: [1, 2])
    func readsKeysFromKV(version: Int) async throws {
        let fixture = try Fixture()
        defer { fixture.stop() }
        let keys = ["did:nuts:abc#key-1": TestKeys.p256(), "did:nuts:def#key-2": TestKeys.ed25519()]
        try await fixture.seed(keys, kvVersion: version)
        let document = try await IdentityDumper(node: try fixture.node(kvVersion: version), logger: Logger(label: "t")).collect()
        #expect(document.sourceType == "vault")
        #expect(document.keys.map(\.name) == keys.keys.sorted())
        #expect(document.keys.map(\.material) == keys.keys.sorted().map { keys[$0] })
        #expect(document.source.contains("KV v\(version)"))
    }

    @Test func tokenFromEnvironment() async throws {
        let fixture = try Fixture()
        defer { fixture.stop() }
        try await fixture.seed(["k1": TestKeys.p256()], kvVersion: 1)
        let node = try fixture.node(kvVersion: 1, token: .environment("VAULT_TOKEN_TEST"))
        let dumper = IdentityDumper(node: node, logger: Logger(label: "t"), environment: ["VAULT_TOKEN_TEST": Self.token])
        #expect(try await dumper.collect().keys.count == 1)
        let missing = IdentityDumper(node: node, logger: Logger(label: "t"), environment: [:])
        let error = await lifeboatError { _ = try await missing.collect() }
        #expect(error?.message == "Vault token: environment variable VAULT_TOKEN_TEST is not set or empty")
    }

    @Test func badTokenIsRefusedAtLookupSelf() async throws {
        let fixture = try Fixture()
        defer { fixture.stop() }
        let wrong = fixture.directory.appending("wrong")
        try Data("s.wrong\n".utf8).write(to: URL(fileURLWithPath: wrong))
        let node = try fixture.node(kvVersion: 1, token: .file(wrong))
        let error = await lifeboatError { _ = try await IdentityDumper(node: node, logger: Logger(label: "t")).collect() }
        #expect(error?.code == .wrongPassword)
        #expect(error?.message.contains("refused the token on auth/token/lookup-self (HTTP 403: permission denied)") == true)
        #expect(error?.message.contains("s.wrong") == false)
    }

    @Test func emptyStoreIsRefused() async throws {
        let fixture = try Fixture()
        defer { fixture.stop() }
        let error = await lifeboatError {
            _ = try await IdentityDumper(node: try fixture.node(kvVersion: 1), logger: Logger(label: "t")).collect()
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("has no entries under nuts-private-keys; refusing to store an empty dump") == true)
    }

    @Test func entryWithoutKeyFieldAndBadPEMAreNamed() async throws {
        let fixture = try Fixture()
        defer { fixture.stop() }
        try await fixture.seed(
            ["good": TestKeys.p256(), "bad": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"], kvVersion: 1)
        let node = try fixture.node(kvVersion: 1)
        let error = await lifeboatError { _ = try await IdentityDumper(node: node, logger: Logger(label: "t")).collect() }
        #expect(error?.message.contains("key bad from Vault") == true)
        #expect(error?.message.contains("its DER is not one PKCS#8 SEQUENCE") == true)

        // An entry written by something else, without the `key` field.
        var request = HTTPClientRequest(url: fixture.server.url + "/v1/kv/nuts-private-keys/bad")
        request.method = .PUT
        request.headers.add(name: "X-Vault-Token", value: Self.token)
        request.body = .bytes(.init(string: #"{"value":"x"}"#))
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let missing = await lifeboatError { _ = try await IdentityDumper(node: node, logger: Logger(label: "t")).collect() }
        #expect(missing?.message.contains("Vault entry bad in") == true)
        #expect(missing?.message.contains("has no string field \"key\"") == true)
    }

    @Test func unreadableCAFileIsNamed() async throws {
        let fixture = try Fixture()
        defer { fixture.stop() }
        var source = fixture.source(kvVersion: 1)
        source.caFile = fixture.directory.appending("missing-ca.pem")
        let node = try makeNode(source: .vault(source), recipients: [AgeX25519Identity.generate().recipient.encoded])
        let error = await lifeboatError { _ = try await IdentityDumper(node: node, logger: Logger(label: "t")).collect() }
        #expect(error?.message == "cannot read the CA file \(fixture.directory.appending("missing-ca.pem")) configured for Vault")
    }

    @Test func unreachableVaultIsNamed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let tokenFile = directory.appending("token")
        try Data("t\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        // Port 9 (discard) on loopback: nothing listens there.
        let node = try makeNode(
            source: .vault(VaultSource(address: "http://127.0.0.1:9", token: .file(tokenFile))),
            recipients: [AgeX25519Identity.generate().recipient.encoded])
        let error = await lifeboatError { _ = try await IdentityDumper(node: node, logger: Logger(label: "t")).collect() }
        #expect(error?.code == .io)
        #expect(error?.message.hasPrefix("cannot reach Vault at http://127.0.0.1:9/v1/auth/token/lookup-self") == true)
    }
}
