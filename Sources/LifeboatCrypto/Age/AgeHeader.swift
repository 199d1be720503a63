import Crypto
import LifeboatCore

/// The textual header of an age v1 file: version line, stanzas, and the MAC line.
struct AgeHeader: Sendable {
    /// The recipient stanzas, in file order.
    var stanzas: [AgeStanza]
    /// The header bytes the MAC covers: from the start through the `---` mark.
    var macInput: ArraySlice<UInt8>
    /// The MAC from the final header line.
    var mac: [UInt8]
    /// Where the binary payload starts in the file.
    var payloadOffset: Int

    static let versionLine = "age-encryption.org/v1"

    /// The HMAC key for the header MAC.
    static func macKey(fileKey: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: fileKey), salt: [UInt8](), info: Array("header".utf8),
            outputByteCount: 32)
    }

    /// Serializes a header for `stanzas`, MAC included.
    static func encode(stanzas: [AgeStanza], fileKey: [UInt8]) -> [UInt8] {
        var text = versionLine + "\n"
        for stanza in stanzas { text += stanza.encoded }
        text += "---"
        var bytes = Array(text.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: bytes, using: macKey(fileKey: fileKey))
        bytes.append(contentsOf: Array(" \(AgeBase64.encodeUnpadded(Array(mac)))\n".utf8))
        return bytes
    }

    /// Whether the MAC on the header is the one `fileKey` produces.
    func verifyMAC(fileKey: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: macInput, using: Self.macKey(fileKey: fileKey))
    }

    /// Parses the header at the start of `file`.
    ///
    /// Parsing is strict (canonical base64, exact line lengths, single spaces) so that
    /// there is exactly one byte string for each header, which is what the MAC covers.
    init(parsing file: [UInt8]) throws {
        var offset = 0
        func nextLine() throws -> ArraySlice<UInt8> {
            guard let newline = file[offset...].firstIndex(of: 0x0A) else {
                throw LifeboatError(.corrupted, "age header is truncated: it ends before the '---' MAC line")
            }
            defer { offset = newline + 1 }
            return file[offset..<newline]
        }

        guard let firstNewline = file.prefix(256).firstIndex(of: 0x0A) else {
            throw LifeboatError(.unsupported, "input is not an age file: it does not start with '\(Self.versionLine)'")
        }
        let version = String(decoding: file[..<firstNewline], as: UTF8.self)
        if version != Self.versionLine {
            if version.hasPrefix("age-encryption.org/") {
                throw LifeboatError(
                    .unsupported,
                    "age file version '\(version.dropFirst("age-encryption.org/".count))' is not supported (only v1)")
            }
            throw LifeboatError(.unsupported, "input is not an age file: it does not start with '\(Self.versionLine)'")
        }
        offset = firstNewline + 1

        var stanzas: [AgeStanza] = []
        while true {
            let lineStart = offset
            let line = try nextLine()
            if line.starts(with: Array("---".utf8)) {
                guard line.count == 4 + 43, line[line.startIndex + 3] == 0x20,
                    let mac = AgeBase64.decodeUnpadded(line.dropFirst(4)), mac.count == 32
                else {
                    throw LifeboatError(.corrupted, "age header is malformed: the '---' line does not hold a 32-byte MAC")
                }
                guard !stanzas.isEmpty else {
                    throw LifeboatError(.corrupted, "age header is malformed: it has no recipient stanza")
                }
                self.stanzas = stanzas
                self.macInput = file[..<(lineStart + 3)]
                self.mac = mac
                self.payloadOffset = offset
                return
            }
            guard line.starts(with: Array("-> ".utf8)) else {
                throw LifeboatError(
                    .corrupted, "age header is malformed: line \(stanzas.count + 2) starts with neither '-> ' nor '---'")
            }
            let arguments = line.dropFirst(3).split(separator: 0x20, omittingEmptySubsequences: false)
            guard arguments.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= 33 && $0 <= 126 } }) else {
                throw LifeboatError(.corrupted, "age header is malformed: a stanza has an empty or non-printable argument")
            }
            var body = [UInt8]()
            while true {
                let bodyLine = try nextLine()
                guard bodyLine.count <= 64 else {
                    throw LifeboatError(.corrupted, "age header is malformed: a stanza body line is longer than 64 columns")
                }
                body.append(contentsOf: bodyLine)
                if bodyLine.count < 64 { break }
            }
            guard let decoded = AgeBase64.decodeUnpadded(body) else {
                throw LifeboatError(.corrupted, "age header is malformed: a stanza body is not canonical unpadded base64")
            }
            stanzas.append(
                AgeStanza(arguments: arguments.map { String(decoding: $0, as: UTF8.self) }, body: decoded))
        }
    }
}
