import Foundation
import LifeboatCore
import Testing

@testable import LifeboatCrypto

/// ours → ours: encryption, decryption, key encodings and header rules, without the age binary.
@Suite struct AgeFormatTests {
    @Test(arguments: [0, 1, 65535, 65536, 65537, 200_000])
    func roundTripToRecipient(size: Int) throws {
        let identity = AgeX25519Identity.generate()
        let plaintext = randomBytes(size)
        let file = try Age.encrypt(plaintext, to: [identity.recipient])
        let header = try AgeHeader(parsing: file)
        let chunks = max(1, (size + 65535) / 65536)
        #expect(file.count - header.payloadOffset == 16 + size + 16 * chunks)
        #expect(try Age.decrypt(file, identities: [identity]) == plaintext)
    }

    @Test func encryptionIsRandomized() throws {
        let identity = AgeX25519Identity.generate()
        let plaintext = randomBytes(100)
        #expect(try Age.encrypt(plaintext, to: [identity.recipient]) != Age.encrypt(plaintext, to: [identity.recipient]))
    }

    @Test func multipleRecipientsEachDecrypt() throws {
        let first = AgeX25519Identity.generate()
        let second = AgeX25519Identity.generate()
        let plaintext = randomBytes(70000)
        let file = try Age.encrypt(plaintext, to: [first.recipient, second.recipient])
        #expect(try AgeHeader(parsing: file).stanzas.count == 2)
        #expect(try Age.decrypt(file, identities: [first]) == plaintext)
        #expect(try Age.decrypt(file, identities: [second]) == plaintext)
        #expect(try Age.decrypt(file, identities: [AgeX25519Identity.generate(), second]) == plaintext)
        let error = ageError { try Age.decrypt(file, identities: [AgeX25519Identity.generate()]) }
        #expect(error?.code == .wrongPassword)
    }

    @Test func wrongIdentityIsRejected() throws {
        let file = try Age.encrypt(randomBytes(10), to: [AgeX25519Identity.generate().recipient])
        let error = try #require(ageError { try Age.decrypt(file, identities: [AgeX25519Identity.generate()]) })
        #expect(error.code == .wrongPassword)
        #expect(error.message == "no identity matches any recipient of this file")
        #expect(ageError { try Age.decrypt(file, identities: []) }?.code == .wrongPassword)
    }

    @Test func passphraseRoundTrip() throws {
        let plaintext = randomBytes(65537)
        let file = try Age.encrypt(plaintext, passphrase: "correct horse battery staple", workFactor: 10)
        let stanza = try #require(try AgeHeader(parsing: file).stanzas.first)
        #expect(stanza.arguments[0] == "scrypt")
        #expect(stanza.arguments[2] == "10")
        #expect(try Age.decrypt(file, passphrase: "correct horse battery staple") == plaintext)
        let error = try #require(ageError { try Age.decrypt(file, passphrase: "correct horse battery stapler") })
        #expect(error.code == .wrongPassword)
        #expect(error.message == "wrong passphrase")
    }

    @Test func passphraseAndIdentityFilesAreNotConfused() throws {
        let identity = AgeX25519Identity.generate()
        let passphraseFile = try Age.encrypt([1, 2, 3], passphrase: "pw", workFactor: 8)
        let recipientFile = try Age.encrypt([1, 2, 3], to: [identity.recipient])
        #expect(ageError { try Age.decrypt(passphraseFile, identities: [identity]) }?.code == .wrongPassword)
        #expect(ageError { try Age.decrypt(recipientFile, passphrase: "pw") }?.code == .wrongPassword)
    }

    @Test func passphraseArgumentsAreValidated() {
        #expect(ageError { try Age.encrypt([1], passphrase: "") }?.code == .invalidArgument)
        #expect(ageError { try Age.encrypt([1], passphrase: "pw", workFactor: 23) }?.code == .invalidArgument)
        #expect(ageError { try Age.encrypt([1], passphrase: "pw", workFactor: 0) }?.code == .invalidArgument)
        #expect(ageError { try Age.encrypt([1], to: []) }?.code == .invalidArgument)
    }

    @Test func excessiveWorkFactorIsRefusedBeforeRunningScrypt() throws {
        let fileKey = AgeFileKey.generate()
        let stanza = AgeStanza(
            arguments: ["scrypt", AgeBase64.encodeUnpadded(randomBytes(16)), "23"], body: randomBytes(32))
        var file = AgeHeader.encode(stanzas: [stanza], fileKey: fileKey)
        try AgePayload.encrypt([1, 2, 3], fileKey: fileKey, into: &file)
        let error = try #require(ageError { try Age.decrypt(file, passphrase: "pw") })
        #expect(error.code == .unsupported)
        #expect(error.message.contains("2^23"))
    }

    @Test(arguments: ["018", "1e", "-5", "+5", "", "99999999999999999999999"])
    func malformedWorkFactorIsRejected(factor: String) throws {
        let fileKey = AgeFileKey.generate()
        var arguments = ["scrypt", AgeBase64.encodeUnpadded(randomBytes(16))]
        if !factor.isEmpty { arguments.append(factor) }
        var file = AgeHeader.encode(stanzas: [AgeStanza(arguments: arguments, body: randomBytes(32))], fileKey: fileKey)
        try AgePayload.encrypt([1], fileKey: fileKey, into: &file)
        #expect(ageError { try Age.decrypt(file, passphrase: "pw") }?.code == .corrupted)
    }

    @Test func scryptMixedWithOtherStanzasIsRejected() throws {
        let identity = AgeX25519Identity.generate()
        let fileKey = AgeFileKey.generate()
        let stanzas = [
            try identity.recipient.wrap(fileKey: fileKey),
            try AgeScrypt.wrap(fileKey: fileKey, passphrase: "pw", workFactor: 4),
        ]
        var file = AgeHeader.encode(stanzas: stanzas, fileKey: fileKey)
        try AgePayload.encrypt([1], fileKey: fileKey, into: &file)
        #expect(ageError { try Age.decrypt(file, identities: [identity]) }?.code == .corrupted)
        #expect(ageError { try Age.decrypt(file, passphrase: "pw") }?.code == .corrupted)
    }

    /// Unknown stanzas are skipped; a 48-byte body fills exactly one line, so an empty line must follow.
    @Test(arguments: [0, 47, 48, 100])
    func unknownStanzasAreIgnored(bodySize: Int) throws {
        let identity = AgeX25519Identity.generate()
        let fileKey = AgeFileKey.generate()
        let grease = AgeStanza(arguments: ["example.com/grease", "a-b", "~"], body: randomBytes(bodySize))
        #expect(grease.encoded.hasSuffix(bodySize % 48 == 0 ? "\n\n" : "\n"))
        var file = AgeHeader.encode(stanzas: [grease, try identity.recipient.wrap(fileKey: fileKey)], fileKey: fileKey)
        try AgePayload.encrypt([9, 8, 7], fileKey: fileKey, into: &file)
        let header = try AgeHeader(parsing: file)
        #expect(header.stanzas.map(\.arguments) == [grease.arguments, ["X25519", header.stanzas[1].arguments[1]]])
        #expect(header.stanzas[0].body == grease.body)
        #expect(try Age.decrypt(file, identities: [identity]) == [9, 8, 7])
    }

    @Test func unknownVersionIsUnsupported() throws {
        let identity = AgeX25519Identity.generate()
        var file = try Age.encrypt([1], to: [identity.recipient])
        file[file.firstIndex(of: UInt8(ascii: "1"))!] = UInt8(ascii: "2")
        let error = try #require(ageError { try Age.decrypt(file, identities: [identity]) })
        #expect(error.code == .unsupported)
        #expect(error.message.contains("'v2'"))
        let notAge = ageError { try Age.decrypt(Array("hello world\n".utf8), identities: [identity]) }
        #expect(notAge?.code == .unsupported)
        #expect(ageError { try Age.decrypt([], identities: [identity]) }?.code == .unsupported)
    }

    /// The example key pair from the age specification (C2SP age.md).
    @Test func specificationKeyPairMatches() throws {
        let identity = try AgeX25519Identity(
            parsing: "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
        #expect(identity.recipient.encoded == "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
        #expect(identity.encoded == "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
        #expect(identity.privateKey.rawRepresentation == Data(repeating: 0x42, count: 32))
        let recipient = try AgeX25519Recipient(parsing: "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
        #expect(recipient == identity.recipient)
    }

    /// BIP 173 test strings: valid ones decode, invalid ones are refused.
    @Test func bech32FollowsBIP173() throws {
        for valid in [
            "A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
            "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        ] {
            #expect(throws: Never.self) { try Bech32.decode(valid) }
        }
        for invalid in [
            "pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8", "1qzzfhee",
            "A12UEl5L", "a12uel5m",
        ] {
            #expect(throws: Bech32.DecodeError.self) { try Bech32.decode(invalid) }
        }
        let data = randomBytes(32)
        let encoded = Bech32.encode(hrp: "age", data: data)
        let decoded = try Bech32.decode(encoded)
        #expect(decoded.hrp == "age")
        #expect(decoded.data == data)
    }

    @Test func recipientChecksumErrorNamesTheString() throws {
        let good = AgeX25519Identity.generate().recipient.encoded
        var chars = Array(good)
        let position = 10
        chars[position] = chars[position] == "q" ? "p" : "q"
        let bad = String(chars)
        let error = try #require(ageError { try AgeX25519Recipient(parsing: bad) })
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains(bad))
        #expect(error.message.contains("checksum"))
        #expect(try AgeX25519Recipient(parsing: good).encoded == good)
        #expect(ageError { try AgeX25519Recipient(parsing: good.uppercased()) }?.code == .invalidArgument)
        #expect(ageError { try AgeX25519Recipient(parsing: "age1") }?.code == .invalidArgument)
    }

    @Test func identityErrorsNeverRepeatTheSecret() throws {
        let identity = AgeX25519Identity.generate()
        let secret = identity.encoded
        #expect(secret.hasPrefix("AGE-SECRET-KEY-1"))
        #expect(try AgeX25519Identity(parsing: secret).recipient == identity.recipient)
        var chars = Array(secret)
        chars[20] = chars[20] == "Q" ? "P" : "Q"
        let typo = String(chars)
        let secretCore = String(secret.dropFirst("AGE-SECRET-KEY-1".count).prefix(20))
        for bad in [typo, secret.lowercased(), String(secret.dropLast(3)), identity.recipient.encoded] {
            let error = try #require(ageError { try AgeX25519Identity(parsing: bad) })
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("identity is not a valid AGE-SECRET-KEY-1… string"))
            #expect(!error.message.contains(secretCore))
        }
        #expect(!String(describing: identity).contains(secretCore))
        #expect(String(describing: identity).contains(identity.recipient.encoded))
    }

    @Test func identityFileIsParsed() throws {
        let first = AgeX25519Identity.generate()
        let second = AgeX25519Identity.generate()
        let text = "# created: now\r\n# public key: \(first.recipient)\r\n\(first.encoded)\r\n\n  \n# another\n\(second.encoded)\n"
        let parsed = try Age.parseIdentityFile(text)
        #expect(parsed.map(\.recipient) == [first.recipient, second.recipient])
    }

    @Test func identityFileErrorsNameTheLineButNotTheSecret() throws {
        let secret = AgeX25519Identity.generate().encoded
        var chars = Array(secret)
        chars[30] = chars[30] == "Q" ? "P" : "Q"
        let text = "# comment\n\n\(String(chars))\n"
        let error = try #require(ageError { try Age.parseIdentityFile(text) })
        #expect(error.code == .invalidArgument)
        #expect(error.message.hasPrefix("identity on line 3 is not a valid AGE-SECRET-KEY-1… string"))
        #expect(!error.message.contains(String(secret.dropFirst(16).prefix(12))))
        #expect(ageError { try Age.parseIdentityFile("# nothing\n\n") }?.code == .invalidArgument)
        let publicKey = AgeX25519Identity.generate().recipient.encoded
        #expect(ageError { try Age.parseIdentityFile(publicKey) }?.message.contains("line 1") == true)
    }

    @Test func base64IsStrict() {
        #expect(AgeBase64.decodeUnpadded(Array("AA".utf8)) == [0])
        #expect(AgeBase64.decodeUnpadded(Array("AB".utf8)) == nil)
        #expect(AgeBase64.decodeUnpadded(Array("AA==".utf8)) == nil)
        #expect(AgeBase64.decodeUnpadded(Array("A".utf8)) == nil)
        #expect(AgeBase64.decodePadded(Array("AA==".utf8)) == [0])
        #expect(AgeBase64.decodePadded(Array("AB==".utf8)) == nil)
        #expect(AgeBase64.decodePadded(Array("AA".utf8)) == nil)
        let bytes = randomBytes(101)
        #expect(AgeBase64.decodeUnpadded(Array(AgeBase64.encodeUnpadded(bytes).utf8)) == bytes)
    }
}
