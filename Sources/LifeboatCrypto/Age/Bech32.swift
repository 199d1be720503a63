/// Bech32 (BIP 173, not bech32m) without the 90-character limit, as age uses it for
/// recipients (`age1…`) and identities (`AGE-SECRET-KEY-1…`).
enum Bech32 {
    /// Why a string is not valid Bech32; the text never repeats the input, which may be secret.
    struct DecodeError: Error, CustomStringConvertible {
        /// What was wrong, phrased to follow "is not valid Bech32: ".
        let description: String
    }

    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    /// Character code → 5-bit value, 0xFF for anything outside the charset.
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in charset.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for index in 0..<5 where (top >> UInt32(index)) & 1 == 1 { checksum ^= generator[index] }
        }
        return checksum
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Encodes `data` under the human-readable part `hrp`, in lowercase.
    static func encode(hrp: String, data: [UInt8]) -> String {
        let hrpBytes = Array(hrp.lowercased().utf8)
        var values = [UInt8]()
        values.reserveCapacity(data.count * 8 / 5 + 1)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in data {
            accumulator = (accumulator << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                values.append(UInt8((accumulator >> UInt32(bits)) & 31))
            }
            accumulator &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { values.append(UInt8((accumulator << UInt32(5 - bits)) & 31)) }
        let checksum = polymod(expand(hrpBytes) + values + [0, 0, 0, 0, 0, 0]) ^ 1
        for index in 0..<6 { values.append(UInt8((checksum >> UInt32(5 * (5 - index))) & 31)) }
        var out = hrpBytes
        out.append(UInt8(ascii: "1"))
        out.append(contentsOf: values.map { charset[Int($0)] })
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a Bech32 string; the human-readable part is returned in its original case.
    static func decode(_ text: String) throws(DecodeError) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(text.utf8)
        let hasLower = bytes.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        let hasUpper = bytes.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        if hasLower && hasUpper { throw DecodeError(description: "it mixes upper and lower case") }
        guard let separator = bytes.lastIndex(of: UInt8(ascii: "1")), separator >= 1 else {
            throw DecodeError(description: "the '1' separator is missing")
        }
        guard separator + 7 <= bytes.count else { throw DecodeError(description: "it is too short") }
        let hrp = bytes[..<separator]
        guard hrp.allSatisfy({ $0 >= 33 && $0 <= 126 }) else {
            throw DecodeError(description: "its prefix holds a character outside printable ASCII")
        }
        var values = [UInt8]()
        values.reserveCapacity(bytes.count - separator - 1)
        for char in bytes[(separator + 1)...] {
            let lower = char >= UInt8(ascii: "A") && char <= UInt8(ascii: "Z") ? char + 32 : char
            let value = table[Int(lower)]
            guard value != 0xFF else { throw DecodeError(description: "it holds a character outside the Bech32 set") }
            values.append(value)
        }
        let lowerHRP = hrp.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        guard polymod(expand(lowerHRP) + values) == 1 else {
            throw DecodeError(description: "its checksum does not match (a typo or a truncated copy)")
        }
        values.removeLast(6)
        var data = [UInt8]()
        data.reserveCapacity(values.count * 5 / 8)
        var accumulator: UInt32 = 0
        var bits = 0
        for value in values {
            accumulator = (accumulator << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                data.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
            accumulator &= (1 << UInt32(bits)) - 1
        }
        guard bits < 5, accumulator == 0 else { throw DecodeError(description: "its padding bits are not zero") }
        return (String(decoding: hrp, as: UTF8.self), data)
    }
}
