/// A value stored in JSON and YAML as its text form and parsed back with a throwing
/// initializer, so a bad value decodes with the parser's own message.
public protocol TextCodable: Codable, CustomStringConvertible {
    /// Parses the text form.
    init(_ text: String) throws
}

extension TextCodable {
    /// Decodes the value from its text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch let error as LifeboatError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes the value as its text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
