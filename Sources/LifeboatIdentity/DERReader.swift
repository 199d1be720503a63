/// A minimal reader of DER (ASN.1 distinguished encoding) values: enough to walk a PKCS#8 key.
///
/// It reads one tag-length-value at a time and never allocates more than the input.
struct DERReader {
    /// One decoded value: its tag byte and the bytes of its contents.
    struct Element {
        /// The identifier octet, e.g. 0x30 for SEQUENCE.
        var tag: UInt8
        /// The contents, without tag and length.
        var contents: ArraySlice<UInt8>
    }

    /// The DER tag numbers this module looks at.
    enum Tag {
        static let integer: UInt8 = 0x02
        static let bitString: UInt8 = 0x03
        static let octetString: UInt8 = 0x04
        static let null: UInt8 = 0x05
        static let objectIdentifier: UInt8 = 0x06
        static let sequence: UInt8 = 0x30
    }

    private var bytes: ArraySlice<UInt8>

    /// A reader over `bytes`.
    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    /// Whether every byte has been read.
    var isAtEnd: Bool { bytes.isEmpty }

    /// Reads the next element; nil when the encoding is malformed or the input ends early.
    mutating func next() -> Element? {
        guard let tag = bytes.first else { return nil }
        var rest = bytes.dropFirst()
        guard let first = rest.first else { return nil }
        rest = rest.dropFirst()
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            // Identity material is small; four length bytes (4 GiB) are more than any key needs.
            guard count >= 1, count <= 4, rest.count >= count else { return nil }
            for byte in rest.prefix(count) { length = length << 8 | Int(byte) }
            rest = rest.dropFirst(count)
        }
        guard length <= rest.count else { return nil }
        let contents = rest.prefix(length)
        bytes = rest.dropFirst(length)
        return Element(tag: tag, contents: contents)
    }

    /// Reads the next element and requires `tag`.
    mutating func next(_ tag: UInt8) -> Element? {
        guard let element = next(), element.tag == tag else { return nil }
        return element
    }
}
