import LifeboatCore

/// The ASCII-armored form of an age file (strict PEM, `AGE ENCRYPTED FILE`).
enum AgeArmor {
    static let begin = Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8)
    static let end = Array("-----END AGE ENCRYPTED FILE-----".utf8)

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The binary file inside `input` if it is armored, or nil if it is not.
    ///
    /// Only whitespace may surround the PEM block, and its base64 must be canonical
    /// and wrapped at exactly 64 columns, so that an armored file is not malleable.
    static func dearmor(_ input: [UInt8]) throws -> [UInt8]? {
        guard let first = input.firstIndex(where: { !isSpace($0) }),
            input[first...].starts(with: begin)
        else { return nil }
        let last = input.lastIndex(where: { !isSpace($0) }) ?? first
        var lines = input[first...last].split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            // CRLF line endings are accepted, as the spec allows.
            line.last == 0x0D ? line.dropLast() : line
        }
        guard lines.count >= 3, lines.removeFirst().elementsEqual(begin), lines.removeLast().elementsEqual(end) else {
            throw LifeboatError(.corrupted, "armored age file is malformed: it must end with '-----END AGE ENCRYPTED FILE-----'")
        }
        var binary = [UInt8]()
        binary.reserveCapacity(lines.count * 48)
        for (index, line) in lines.enumerated() {
            let isLast = index == lines.count - 1
            guard isLast ? (1...64).contains(line.count) : line.count == 64 else {
                throw LifeboatError(.corrupted, "armored age file is malformed: line \(index + 2) is not wrapped at 64 columns")
            }
            guard let decoded = AgeBase64.decodePadded(line), isLast || !line.contains(UInt8(ascii: "=")) else {
                throw LifeboatError(.corrupted, "armored age file is malformed: line \(index + 2) is not canonical base64")
            }
            binary.append(contentsOf: decoded)
        }
        return binary
    }
}
