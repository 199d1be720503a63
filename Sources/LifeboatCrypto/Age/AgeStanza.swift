/// One recipient stanza of an age header: `-> ARGS…` and a wrapped file key.
struct AgeStanza: Sendable {
    /// The space-separated arguments; the first names the recipient type.
    var arguments: [String]
    /// The decoded body.
    var body: [UInt8]

    /// The recipient type (`X25519`, `scrypt`, …), the first argument.
    var type: String { arguments.first ?? "" }

    /// The stanza as it appears in a header, ending with a newline.
    var encoded: String {
        var text = "-> " + arguments.joined(separator: " ") + "\n"
        let body = AgeBase64.encodeUnpadded(body)
        var start = body.startIndex
        // Lines are 64 columns and the last one is always shorter, even if that makes it empty:
        // the short line is what tells a reader the body ended.
        while true {
            let end = body.index(start, offsetBy: 64, limitedBy: body.endIndex) ?? body.endIndex
            text += body[start..<end] + "\n"
            if body.distance(from: start, to: end) < 64 { break }
            start = end
        }
        return text
    }
}
