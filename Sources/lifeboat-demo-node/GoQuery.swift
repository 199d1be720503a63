/// Decodes a raw URL query the way Go's `url.ParseQuery` does, as the Nuts node (Go) sees it.
///
/// That is why the Nuts docs insist on escaping: `+` decodes to a space, and since Go 1.17 a
/// pair containing an unescaped `;` is rejected, so `type=application/ld+json;type=revocation`
/// arrives as no `type` at all. Escaped, `%2B` and `%3B` decode to `+` and `;`.
enum GoQuery {
    /// The first value of `key`, nil when absent or when its pair was rejected.
    static func value(_ key: String, in rawQuery: String?) -> String? {
        guard let rawQuery else { return nil }
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            if pair.contains(";") { continue }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(parts[0]), name == key else { continue }
            return parts.count > 1 ? unescape(parts[1]) : ""
        }
        return nil
    }

    /// Go's `QueryUnescape`: `+` is a space, `%XX` a byte; nil for a malformed escape.
    static func unescape(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
