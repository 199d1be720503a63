import Foundation

/// The strict base64 that age uses: RFC 4648 standard alphabet, canonical only.
///
/// age headers use the unpadded form and the armor uses the padded one; both must
/// reject non-canonical encodings (stray bits in the last character), or a file
/// could be altered without changing what it decodes to.
enum AgeBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Character code → 6-bit value, 0xFF for anything outside the alphabet.
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    /// Encodes without `=` padding.
    static func encodeUnpadded(_ bytes: some Collection<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.last == "=" { text.removeLast() }
        return text
    }

    /// Decodes unpadded canonical base64, or returns nil.
    static func decodeUnpadded(_ text: some Collection<UInt8>) -> [UInt8]? {
        let count = text.count
        // A lone trailing character carries only 6 bits: never a whole byte.
        if count % 4 == 1 { return nil }
        var out = [UInt8]()
        out.reserveCapacity(count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for char in text {
            let value = table[Int(char)]
            if value == 0xFF { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Canonical form: the bits left over after the last whole byte are zero.
        if accumulator != 0 { return nil }
        return out
    }

    /// Decodes padded canonical base64 (length a multiple of four), or returns nil.
    static func decodePadded(_ text: some Collection<UInt8>) -> [UInt8]? {
        let chars = Array(text)
        guard chars.count % 4 == 0 else { return nil }
        var padding = 0
        while padding < 2, padding < chars.count, chars[chars.count - 1 - padding] == UInt8(ascii: "=") {
            padding += 1
        }
        return decodeUnpadded(chars[0..<(chars.count - padding)])
    }
}
