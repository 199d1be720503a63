import Foundation
import LifeboatCore

/// Writes results: JSON on stdout for scripts, text for people.
enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(ISO8601.format(date))
        }
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        write(data, to: FileHandle.standardOutput)
    }

    static func line(_ text: String) {
        write(Data((text + "\n").utf8), to: FileHandle.standardOutput)
    }

    static func warn(_ text: String) {
        write(Data(("lifeboat: " + text + "\n").utf8), to: FileHandle.standardError)
    }

    /// Writes without crashing when the reader has gone (`lifeboat … --json | head`): the
    /// throwing write reports EPIPE instead of raising, and the output is simply cut short.
    private static func write(_ data: Data, to handle: FileHandle) {
        try? handle.write(contentsOf: data)
    }
}
