import Foundation
import LifeboatCore
import Testing

@testable import LifeboatCrypto

/// Interoperability with the real `age` / `age-keygen` (Debian package `age`, 1.1.x).
/// These tests fail, never skip, when the binaries are missing: `apt-get install age`.
@Suite struct AgeInteropTests {
    @Test func missingBinaryFailsWithInstallHint() {
        #expect {
            try AgeCLI.path("age-not-installed-\(UUID().uuidString)")
        } throws: { error in
            String(describing: error).contains("apt-get install age")
        }
    }

    @Test func ageKeygenKeysMatchOurDerivation() throws {
        let dir = try AgeTempDirectory()
        let key = try AgeCLI.keygen(in: dir, name: "key.txt")
        #expect(key.identity.recipient.encoded == key.publicKeyLine)
        #expect(try AgeX25519Recipient(parsing: key.publicKeyLine) == key.identity.recipient)
        // And the reverse: age-keygen -y reads our identity encoding.
        let ours = AgeX25519Identity.generate()
        try dir.write("ours.txt", Array((ours.encoded + "\n").utf8))
        let derived = try AgeCLI.run("age-keygen", ["-y", "ours.txt"], in: dir).text
        #expect(derived.trimmingCharacters(in: .whitespacesAndNewlines) == ours.recipient.encoded)
    }

    @Test(arguments: [0, 1, 65536, 200_000])
    func oursDecryptsWithAge(size: Int) throws {
        let dir = try AgeTempDirectory()
        let key = try AgeCLI.keygen(in: dir, name: "key.txt")
        let plaintext = randomBytes(size)
        try dir.write("file.age", try Age.encrypt(plaintext, to: [key.identity.recipient]))
        // Through stdout: with -o, age creates no file at all for an empty plaintext.
        let result = try AgeCLI.run("age", ["-d", "-i", key.path, "file.age"], in: dir)
        #expect(result.stdout == plaintext)
    }

    @Test(arguments: [0, 1, 65535, 65536, 65537, 200_000])
    func ageOutputDecryptsWithOurs(size: Int) throws {
        let dir = try AgeTempDirectory()
        let key = try AgeCLI.keygen(in: dir, name: "key.txt")
        let plaintext = randomBytes(size)
        try dir.write("in.bin", plaintext)
        try AgeCLI.run("age", ["-r", key.identity.recipient.encoded, "-o", "file.age", "in.bin"], in: dir)
        let identities = try Age.parseIdentityFile(String(contentsOfFile: key.path, encoding: .utf8))
        #expect(try Age.decrypt(dir.read("file.age"), identities: identities) == plaintext)
        let stranger = ageError { try Age.decrypt(dir.read("file.age"), identities: [AgeX25519Identity.generate()]) }
        #expect(stranger?.code == .wrongPassword)
    }

    @Test func ageArmoredOutputDecryptsWithOurs() throws {
        let dir = try AgeTempDirectory()
        let key = try AgeCLI.keygen(in: dir, name: "key.txt")
        let plaintext = randomBytes(5000)
        try dir.write("in.bin", plaintext)
        try AgeCLI.run("age", ["-a", "-r", key.identity.recipient.encoded, "-o", "file.age", "in.bin"], in: dir)
        let armored = try dir.read("file.age")
        #expect(armored.starts(with: Array("-----BEGIN AGE ENCRYPTED FILE-----\n".utf8)))
        #expect(try Age.decrypt(armored, identities: [key.identity]) == plaintext)
        #expect(try Age.decrypt(Array("\n  ".utf8) + armored + Array("\n\n".utf8), identities: [key.identity]) == plaintext)
        let crlf = Array(String(decoding: armored, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
        #expect(try Age.decrypt(crlf, identities: [key.identity]) == plaintext)
        #expect(ageError { try Age.decrypt(armored + Array("junk".utf8), identities: [key.identity]) }?.code == .corrupted)
        var unwrapped = armored
        unwrapped.remove(at: try #require(unwrapped.dropFirst(40).firstIndex(of: 0x0A)))
        #expect(ageError { try Age.decrypt(unwrapped, identities: [key.identity]) }?.code == .corrupted)
    }

    @Test func multipleRecipientsBothWays() throws {
        let dir = try AgeTempDirectory()
        let first = try AgeCLI.keygen(in: dir, name: "first.txt")
        let second = try AgeCLI.keygen(in: dir, name: "second.txt")
        let plaintext = randomBytes(70_000)
        try dir.write("in.bin", plaintext)

        try dir.write("ours.age", try Age.encrypt(plaintext, to: [first.identity.recipient, second.identity.recipient]))
        for key in [first, second] {
            try AgeCLI.run("age", ["-d", "-i", key.path, "-o", "out.bin", "ours.age"], in: dir)
            #expect(try dir.read("out.bin") == plaintext)
            try FileManager.default.removeItem(atPath: dir.path("out.bin"))
        }

        try AgeCLI.run(
            "age", ["-r", first.identity.recipient.encoded, "-r", second.identity.recipient.encoded, "-o", "theirs.age", "in.bin"],
            in: dir)
        let theirs = try dir.read("theirs.age")
        #expect(try AgeHeader(parsing: theirs).stanzas.count == 2)
        #expect(try Age.decrypt(theirs, identities: [first.identity]) == plaintext)
        #expect(try Age.decrypt(theirs, identities: [second.identity]) == plaintext)
    }

    /// A stanza type age does not know, with a body that ends in an empty line, must not bother age.
    @Test func ageIgnoresOurUnknownStanza() throws {
        let dir = try AgeTempDirectory()
        let key = try AgeCLI.keygen(in: dir, name: "key.txt")
        let fileKey = AgeFileKey.generate()
        let grease = AgeStanza(arguments: ["lifeboat.example/grease", "x"], body: randomBytes(96))
        var file = AgeHeader.encode(stanzas: [grease, try key.identity.recipient.wrap(fileKey: fileKey)], fileKey: fileKey)
        let plaintext = randomBytes(1234)
        try AgePayload.encrypt(plaintext, fileKey: fileKey, into: &file)
        try dir.write("file.age", file)
        try AgeCLI.run("age", ["-d", "-i", key.path, "-o", "out.bin", "file.age"], in: dir)
        #expect(try dir.read("out.bin") == plaintext)
    }

    /// age -p at its default work factor (2^18), typed into age's terminal prompt.
    @Test func agePassphraseFileDecryptsWithOurs() throws {
        let dir = try AgeTempDirectory()
        let plaintext = randomBytes(100_000)
        try dir.write("in.bin", plaintext)
        try AgeCLI.runWithPassphrase(["-p", "-o", "file.age", "in.bin"], passphrase: "lifeboat test passphrase", in: dir)
        let file = try dir.read("file.age")
        let stanza = try #require(try AgeHeader(parsing: file).stanzas.first)
        #expect(stanza.arguments.first == "scrypt")
        #expect(Int(stanza.arguments.last ?? "") ?? 0 >= 15)
        #expect(try Age.decrypt(file, passphrase: "lifeboat test passphrase") == plaintext)
        let error = ageError { try Age.decrypt(file, passphrase: "lifeboat test passphrasE") }
        #expect(error?.code == .wrongPassword)
    }

    /// Our default work factor (2^18), decrypted by age through its terminal prompt.
    @Test func ourPassphraseFileDecryptsWithAge() throws {
        let dir = try AgeTempDirectory()
        let plaintext = randomBytes(70_000)
        try dir.write("file.age", try Age.encrypt(plaintext, passphrase: "pässphrase with ünicode"))
        #expect(try AgeHeader(parsing: dir.read("file.age")).stanzas.first?.arguments.last == "18")
        try AgeCLI.runWithPassphrase(["-d", "-o", "out.bin", "file.age"], passphrase: "pässphrase with ünicode", in: dir)
        #expect(try dir.read("out.bin") == plaintext)
        let wrong = try AgeCLI.runWithPassphrase(
            ["-d", "-o", "wrong.bin", "file.age"], passphrase: "another passphrase", in: dir, allowFailure: true)
        #expect(wrong.status != 0)
    }

    /// age refuses our tampered output too, so the two implementations agree on what is valid.
    @Test func ageRejectsTamperedOutput() throws {
        let dir = try AgeTempDirectory()
        let key = try AgeCLI.keygen(in: dir, name: "key.txt")
        var file = try Age.encrypt(randomBytes(100), to: [key.identity.recipient])
        file[file.count - 1] ^= 1
        try dir.write("file.age", file)
        let result = try AgeCLI.run("age", ["-d", "-i", key.path, "-o", "out.bin", "file.age"], in: dir, allowFailure: true)
        #expect(result.status != 0)
    }

    /// A file made once by age 1.1.1 (`age -a -r …`), with the key age-keygen made for it.
    @Test func knownAgeVectorDecrypts() throws {
        let keyFile = """
            # created: 2026-11-22T00:33:11Z
            # public key: age1scamj67nhm9ryf292ksxwr4mm4vmqvgu645vxxrgd00qlvu4pywqkk3ykh
            AGE-SECRET-KEY-1H6CC5PP6R0ANT6LRSVDD7CPF0NRC9GRU4Y6CX2F2W2DXZRMR4EGSU06MFM

            """
        let armored = """
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBvUS8zQjBQbExTYUxIRll5
            WjlqNkRwYXpaK1RMaTA5U29NWnFZa2VWM0VZCkx4WENFQ2NxVWtMMTVWVGhNcHRk
            MTdFVWxsbzBPSkJSVEhENkVDcGs0YjQKLS0tIGxlVThyemRWTnM1US9Hd1hVRnZS
            MGlsWlMvb3lUVGROSjhsU1ZzU1F5WFUK/Z4r2jiAFgH0Eut0DazuvoK0NzHLcF2B
            XmznUrOsJknUmcG4bTshDYHoWsRd+vUBZgHmZkW8Uxvue6p74p7lim6pL5gmWFtD
            1LilKi37xwwe
            -----END AGE ENCRYPTED FILE-----

            """
        let binary = """
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBVTVRuYmxRUHVhbVZJNFJmWEY3RGlLUUFMVmczdk41UmtkcW8vVXFR\
            L3pZCmpWK0dsTFZuTEhZRjBpcS9CSVBpY1V6RXZKSUlVSnFHbUdPTGJ3S29YMUkKLS0tIGZITnlIRzVXVzF1blFlT24yRlRV\
            NEdSd2UyNjFtM2wwdStLQTZGcmxENU0KNLB5r91S0AcvlT+qkf4ygmeCjOhA95DDd2UFYfpHIAGxbnkJgM7BL3SVJ3wAqe6j\
            jV5GrSELT1olymH0OZXxfECgmVvStjH88vb4kHxwhucZ
            """
        let identities = try Age.parseIdentityFile(keyFile)
        #expect(identities.first?.recipient.encoded == "age1scamj67nhm9ryf292ksxwr4mm4vmqvgu645vxxrgd00qlvu4pywqkk3ykh")
        let expected = Array("Lifeboat known-answer vector: age 1.1.1 to Swift\n".utf8)
        #expect(try Age.decrypt(Array(armored.utf8), identities: identities) == expected)
        let binaryFile = try #require(Data(base64Encoded: binary))
        #expect(try Age.decrypt(Array(binaryFile), identities: identities) == expected)
    }
}
