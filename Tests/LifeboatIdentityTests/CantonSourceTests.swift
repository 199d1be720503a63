import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatCrypto
import LifeboatTestSupport
import Logging
import Testing

@testable import LifeboatIdentity

/// The `canton` source against the identities endpoint stand-in (Tests/Fixtures/canton_identities_standin.py).
@Suite struct CantonSourceTests {
    static let token = "canton-bearer-7c1d"
    static let clientSecret = "oauth-client-secret-55aa"

    /// A stand-in in one mode, with a token file and a client secret file.
    struct Fixture {
        let server: StandIn
        let directory: TemporaryDirectory

        init(mode: String) throws {
            directory = try TemporaryDirectory()
            server = try StandIn(
                "canton_identities_standin.py",
                [
                    "--token", CantonSourceTests.token, "--mode", mode, "--client-secret", CantonSourceTests.clientSecret,
                    "--dump-out", directory.appending("served.json"),
                ])
            try Data("\(CantonSourceTests.token)\n".utf8).write(to: URL(fileURLWithPath: directory.appending("token")))
            try Data("\(CantonSourceTests.clientSecret)\n".utf8).write(to: URL(fileURLWithPath: directory.appending("secret")))
        }

        /// The dump the stand-in serves and the hex of its private key bytes.
        func served() throws -> (dump: [String: Any], privateKeys: [String]) {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory.appending("served.json")))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return (try #require(object["dump"] as? [String: Any]), try #require(object["privateKeys"] as? [String]))
        }

        func node(_ authentication: CantonSource.Authentication? = nil) throws -> NodeConfiguration {
            let source = CantonSource(url: server.url, authentication: authentication ?? .tokenFile(directory.appending("token")))
            return try makeNode("validator-1", source: .canton(source), recipients: [AgeX25519Identity.generate().recipient.encoded])
        }

        func collect(_ authentication: CantonSource.Authentication? = nil) async throws -> IdentityDumpDocument {
            try await IdentityDumper(node: try node(authentication), logger: Logger(label: "t")).collect()
        }

        func stop() {
            server.stop()
            directory.remove()
        }
    }

    @Test(arguments: ["authorized", "bootstrap"])
    func readsBothDumpForms(mode: String) async throws {
        let fixture = try Fixture(mode: mode)
        defer { fixture.stop() }
        let document = try await fixture.collect()
        let served = try fixture.served()
        #expect(document.cantonID == served.dump["id"] as? String)
        #expect(document.cantonForm == (mode == "bootstrap" ? "bootstrapTxs" : "authorizedStoreSnapshot"))
        #expect(document.keys.map(\.name) == ["namespace", "signing", "encryption"])
        #expect(document.keys.allSatisfy { $0.format == .cantonKeyPair && $0.fingerprint?.count == 64 })
        // The raw dump is kept byte for byte for the restore kit.
        let raw = try #require(document.cantonDump)
        let reparsed = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
        #expect(reparsed["id"] as? String == served.dump["id"] as? String)
        #expect((reparsed["keys"] as? [[String: String]]) == (served.dump["keys"] as? [[String: String]]))
        #expect(reparsed["authorizedStoreSnapshot"] as? String == served.dump["authorizedStoreSnapshot"] as? String)
        #expect((reparsed["bootstrapTxs"] as? [String]) == (served.dump["bootstrapTxs"] as? [String]))
    }

    @Test func kmsKeysAreKeptByID() async throws {
        let fixture = try Fixture(mode: "kms")
        defer { fixture.stop() }
        let document = try await fixture.collect()
        let kms = try #require(document.keys.last)
        #expect(kms.format == .cantonKMS && kms.kmsType == "signing" && kms.material == nil && kms.keyID?.hasPrefix("1220") == true)
    }

    @Test func oauthClientCredentials() async throws {
        let fixture = try Fixture(mode: "authorized")
        defer { fixture.stop() }
        let client = OAuthClient(
            tokenURL: fixture.server.url + "/oauth/token", clientID: "lifeboat", clientSecretFile: fixture.directory.appending("secret"),
            audience: "https://validator.example")
        #expect(try await fixture.collect(.oauth(client)).keys.count == 3)

        try Data("wrong-secret\n".utf8).write(to: URL(fileURLWithPath: fixture.directory.appending("secret")))
        let error = await lifeboatError { _ = try await fixture.collect(.oauth(client)) }
        #expect(error?.code == .wrongPassword)
        #expect(error?.message == "the OAuth token endpoint \(client.tokenURL) answered HTTP 401 (invalid_client) for client lifeboat")
    }

    @Test func refusedBearerToken() async throws {
        let fixture = try Fixture(mode: "authorized")
        defer { fixture.stop() }
        try Data("not-the-token\n".utf8).write(to: URL(fileURLWithPath: fixture.directory.appending("token")))
        let error = await lifeboatError { _ = try await fixture.collect() }
        #expect(error?.code == .wrongPassword)
        #expect(error?.message.contains("answered 401: the bearer token was refused") == true)
        #expect(error?.message.contains("not-the-token") == false)
    }

    static let failures: [(mode: String, message: String)] = [
        ("notfound", "answered 404 Not Found: the validator app does not serve identity dumps at this URL"),
        ("emptykeys", "has an empty \"keys\" list; refusing to store a dump without keys"),
        ("noid", "has no participant \"id\""),
        ("badkey", "key 2 (signing) of the identities dump for PAR::validator-1::"),
    ]

    @Test(arguments: 0..<failures.count)
    func invalidDumpsFailPrecisely(index: Int) async throws {
        let (mode, message) = Self.failures[index]
        let fixture = try Fixture(mode: mode)
        defer { fixture.stop() }
        let error = await lifeboatError { _ = try await fixture.collect() }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
        if mode == "notfound" {
            #expect(error?.code == .notFound)
            #expect(error?.message.contains(fixture.server.url + CantonIdentitiesSource.path) == true)
        }
        if mode == "badkey" { #expect(error?.message.contains("has a keyPair that is not non-empty base64") == true) }
    }

    @Test func keyPairPublicPartIsFound() throws {
        // versioned{ data = CryptoKeyPair{ signing_key_pair = { public_key = [0xAA…], private_key = [0xBB…] } }, version = 1 }
        let publicKey: [UInt8] = [0x0A, 0x02, 0xAA, 0xAA]
        let privateKey: [UInt8] = [0x0A, 0x02, 0xBB, 0xBB]
        let pair: [UInt8] = [0x0A, UInt8(publicKey.count)] + publicKey + [0x12, UInt8(privateKey.count)] + privateKey
        let cryptoKeyPair: [UInt8] = [0x0A, UInt8(pair.count)] + pair
        let versioned: [UInt8] = [0x0A, UInt8(cryptoKeyPair.count)] + cryptoKeyPair + [0x10, 0x01]
        #expect(CantonKeyPair.publicPart(versioned) == publicKey)
        #expect(CantonKeyPair.publicPart(cryptoKeyPair) == publicKey)
        #expect(CantonKeyPair.publicPart([0xFF, 0xFF]) == nil)
    }
}
