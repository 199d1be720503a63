import Crypto
import Foundation
import LifeboatCrypto
import Testing

/// The precomputed-pad HMAC must be exactly HMAC-SHA256: chunk ids name stored data.
@Suite struct KeyedSHA256Tests {
    @Test func equalsHMACSHA256OnRandomMessages() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let key = SymmetricKey(size: .bits256)
            let keyed = KeyedSHA256(key: key)
            for length in [0, 1, 55, 56, 63, 64, 65, 4096, Int.random(in: 0...20_000, using: &rng)] {
                let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
                let got = message.withUnsafeBytes { Array(keyed.authenticationCode(for: $0)) }
                #expect(got == expected, "length \(length)")
            }
        }
    }

    /// RFC 4231 test case 2 (a key shorter than a block).
    @Test func rfc4231Case2() {
        let keyed = KeyedSHA256(key: SymmetricKey(data: Array("Jefe".utf8)))
        let mac = Array("what do ya want for nothing?".utf8).withUnsafeBytes { keyed.authenticationCode(for: $0) }
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        #expect(hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// Ids computed from many threads at once agree (the shared states are only copied).
    @Test func concurrentUseAgrees() async {
        let key = SymmetricKey(size: .bits256)
        let keyed = KeyedSHA256(key: key)
        let message = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 {
                group.addTask { message.withUnsafeBytes { Array(keyed.authenticationCode(for: $0)) } == expected }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
