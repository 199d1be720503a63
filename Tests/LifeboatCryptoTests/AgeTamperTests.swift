import Crypto
import Foundation
import LifeboatCore
import Testing

@testable import LifeboatCrypto

/// Every modification of an age file is refused with the right error code.
@Suite struct AgeTamperTests {
    enum Tamper: String, CaseIterable, CustomTestStringConvertible {
        case headerMAC, stanzaBody, ephemeralShare, payloadFirstChunk, payloadLastByte, payloadNonce
        case truncateLastChunk, dropLastChunk, dropWholePayload, appendByte, appendChunk, extraHeaderSpace

        var testDescription: String { rawValue }

        /// What decrypting the tampered file must fail with.
        var expected: LifeboatError.Code {
            switch self {
            // The stanza no longer opens: to the reader that is indistinguishable from a wrong key.
            case .stanzaBody, .ephemeralShare: .wrongPassword
            default: .corrupted
            }
        }
    }

    /// Returns a tampered copy of `file`, which holds 200000 bytes (four chunks, the last short).
    static func apply(_ tamper: Tamper, to file: [UInt8], header: AgeHeader) -> [UInt8] {
        var file = file
        let macLineStart = header.macInput.endIndex + 1  // after "---", at the space
        // The version line and the stanza line always end in a newline in a valid file.
        let stanzaLine = (file.firstIndex(of: 0x0A) ?? 0) + 1  // "-> X25519 …"
        let bodyLine = (file[stanzaLine...].firstIndex(of: 0x0A) ?? stanzaLine) + 1
        let payload = header.payloadOffset
        switch tamper {
        case .headerMAC:
            file[macLineStart + 5] = file[macLineStart + 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        case .stanzaBody:
            file[bodyLine] = file[bodyLine] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        case .ephemeralShare:
            let share = stanzaLine + "-> X25519 ".utf8.count + 3
            file[share] = file[share] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        case .payloadFirstChunk:
            file[payload + 16 + 100] ^= 0x01
        case .payloadLastByte:
            file[file.count - 1] ^= 0x80
        case .payloadNonce:
            file[payload] ^= 0x01
        case .truncateLastChunk:
            file.removeLast(10)
        case .dropLastChunk:
            file.removeSubrange((payload + 16 + 3 * (65536 + 16))...)
        case .dropWholePayload:
            file.removeSubrange(payload...)
        case .appendByte:
            file.append(0)
        case .appendChunk:
            file.append(contentsOf: file[(payload + 16)..<(payload + 16 + 65536 + 16)])
        case .extraHeaderSpace:
            // Not malformed to the parser only if it were lenient; strict parsing must refuse it.
            file.insert(0x20, at: stanzaLine + 2)
        }
        return file
    }

    @Test(arguments: Tamper.allCases)
    func tamperingIsDetected(_ tamper: Tamper) throws {
        let identity = AgeX25519Identity.generate()
        let plaintext = randomBytes(200_000)
        let file = try Age.encrypt(plaintext, to: [identity.recipient])
        #expect(try Age.decrypt(file, identities: [identity]) == plaintext)
        let tampered = Self.apply(tamper, to: file, header: try AgeHeader(parsing: file))
        #expect(tampered != file)
        let error = try #require(ageError { try Age.decrypt(tampered, identities: [identity]) })
        #expect(error.code == tamper.expected, "\(tamper): \(error.message)")
    }

    /// A plaintext of exactly one chunk has a full-size final chunk; what follows it must still be refused,
    /// and a full non-final chunk must not pass for the end of the file.
    @Test func fullFinalChunkBoundaries() throws {
        let identity = AgeX25519Identity.generate()
        let oneChunk = try Age.encrypt(randomBytes(65536), to: [identity.recipient])
        #expect(try Age.decrypt(oneChunk, identities: [identity]).count == 65536)
        #expect(ageError { try Age.decrypt(oneChunk + [0], identities: [identity]) }?.code == .corrupted)

        let twoChunks = try Age.encrypt(randomBytes(65537), to: [identity.recipient])
        let cut = Array(twoChunks.dropLast(17))  // leaves a full chunk flagged non-final
        let error = try #require(ageError { try Age.decrypt(cut, identities: [identity]) })
        #expect(error.code == .corrupted)
        #expect(error.message.contains("truncated"))
    }

    @Test func emptyFinalChunkAfterDataIsRefused() throws {
        let identity = AgeX25519Identity.generate()
        let fileKey = AgeFileKey.generate()
        var file = AgeHeader.encode(stanzas: [try identity.recipient.wrap(fileKey: fileKey)], fileKey: fileKey)
        let payloadStart = file.count
        try AgePayload.encrypt(randomBytes(65536), fileKey: fileKey, into: &file)
        // Re-seal the same data as a non-final chunk followed by an empty final one.
        let nonce = Array(file[payloadStart..<(payloadStart + 16)])
        let key = AgePayload.key(fileKey: fileKey, nonce: nonce)
        let plaintext = try Age.decrypt(file, identities: [identity])
        var forged = Array(file[..<(payloadStart + 16)])
        for (index, chunk) in [plaintext[...], []].enumerated() {
            let box = try ChaChaPoly.seal(
                chunk, using: key, nonce: AgePayload.chunkNonce(UInt64(index), last: index == 1))
            forged.append(contentsOf: box.ciphertext + box.tag)
        }
        let error = try #require(ageError { try Age.decrypt(forged, identities: [identity]) })
        #expect(error.code == .corrupted)
        #expect(error.message.contains("final chunk is empty"))
    }

    @Test func passphraseFileTampering() throws {
        let file = try Age.encrypt(randomBytes(1000), passphrase: "pw", workFactor: 8)
        let header = try AgeHeader(parsing: file)
        var badMAC = file
        let macStart = header.macInput.endIndex + 1 + 5
        badMAC[macStart] = badMAC[macStart] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(ageError { try Age.decrypt(badMAC, passphrase: "pw") }?.code == .corrupted)
        var badPayload = file
        badPayload[badPayload.count - 20] ^= 4
        #expect(ageError { try Age.decrypt(badPayload, passphrase: "pw") }?.code == .corrupted)
    }
}
