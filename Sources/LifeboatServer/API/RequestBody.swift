import Foundation
import Hummingbird
import LifeboatJobs
import NIOFoundationCompat

/// A JSON request body checked before it is decoded, so every refusal is a 422 whose
/// `detail` and `field` name what is wrong: `request body` for the body as a whole (empty,
/// not JSON, not an object), else the property (`target`, `keep.daily`, `repositories[0]`).
///
/// No property of the API's bodies is nullable: a `null` is refused like a value of the
/// wrong type rather than read as "left out". Each known property must have the JSON type
/// the OpenAPI document gives it; unknown properties are ignored.
///
/// ```swift
/// let body = try RequestBody(buffer, properties: ["target": .string, "force": .boolean]).decode(RestoreBody.self)
/// ```
struct RequestBody {
    /// The body's bytes.
    let data: Data
    /// The parsed top-level object.
    let object: [String: JSONValue]

    /// The JSON type of a body property.
    enum PropertyType {
        case string, integer, boolean
        /// An array of strings.
        case strings
        /// An object whose values are integers.
        case integers

        var text: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .boolean: "a boolean"
            case .strings: "an array of strings"
            case .integers: "an object of integers"
            }
        }
    }

    /// Reads `buffer` as a JSON object whose `properties`, where present, have their types;
    /// `null` is refused at any depth.
    /// - Throws: ``Problem`` 422 naming the body or the property.
    init(_ buffer: ByteBuffer, properties: [String: PropertyType]) throws {
        data = Data(buffer: buffer)
        guard !data.isEmpty else {
            throw Problem(.unprocessableContent, "request body: empty; send a JSON object")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw Problem(.unprocessableContent, "request body: not valid JSON; send a JSON object")
        }
        guard case .object(let object) = value else {
            throw Problem(.unprocessableContent, "request body: expected a JSON object, got \(value.kind)")
        }
        self.object = object
        for name in properties.keys.sorted() {
            guard let value = object[name], let type = properties[name] else { continue }
            if let path = value.firstNull(path: name) {
                throw Problem(
                    .unprocessableContent, "\(path): null is not allowed; give \(type.text) or leave the property out", field: path)
            }
            if let (path, found) = Self.mismatch(value, type, path: name) {
                throw Problem(.unprocessableContent, "\(path): expected \(type.text), got \(found)", field: path)
            }
        }
    }

    /// Where `value` is not of `type`, and what is there instead; nil when it is.
    static func mismatch(_ value: JSONValue, _ type: PropertyType, path: String) -> (String, String)? {
        switch (type, value) {
        case (.string, .string), (.boolean, .bool): return nil
        case (.integer, .number(let number)):
            return number == number.rounded() && abs(number) < 1e15 ? nil : (path, "a number with a fraction or out of range")
        case (.strings, .array(let elements)):
            for (index, element) in elements.enumerated() {
                if case .string = element { continue }
                return ("\(path)[\(index)]", element.kind)
            }
            return nil
        case (.integers, .object(let members)):
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                if let found = mismatch(member, .integer, path: "\(path).\(key)") { return found }
            }
            return nil
        default:
            return (path, value.kind)
        }
    }

    /// The body decoded as `T`; a wrong type or missing property is a 422 naming it.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw problem(error)
        }
    }

    /// The 422 for a decoding error, naming the property and what was found there.
    func problem(_ error: DecodingError) -> Problem {
        switch error {
        case .typeMismatch(let expected, let context), .valueNotFound(let expected, let context):
            let path = Self.path(context.codingPath)
            guard !path.isEmpty else {
                return Problem(.unprocessableContent, "request body: expected a JSON object")
            }
            let found = JSONValue.object(object).value(at: context.codingPath)?.kind ?? "nothing"
            return Problem(.unprocessableContent, "\(path): expected \(Self.describe(expected)), got \(found)", field: path)
        case .keyNotFound(let key, let context):
            let path = Self.path(context.codingPath + [key])
            return Problem(.unprocessableContent, "\(path): missing required property", field: path)
        case .dataCorrupted(let context):
            let path = Self.path(context.codingPath)
            return path.isEmpty
                ? Problem(.unprocessableContent, "request body: \(context.debugDescription)")
                : Problem(.unprocessableContent, "\(path): \(context.debugDescription)", field: path)
        @unknown default:
            return Problem(.unprocessableContent, "request body: could not be read")
        }
    }

    /// `keep.daily`, `repositories[0]`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return out
    }

    /// What a Swift type is called in JSON.
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: return "a string"
        case is Bool.Type, is Bool?.Type: return "a boolean"
        case is Int.Type, is Int?.Type, is Int64.Type, is Int64?.Type: return "an integer"
        case is Double.Type, is Double?.Type: return "a number"
        default: return String(describing: type).hasPrefix("Dictionary") ? "an object" : "a value of type \(type)"
        }
    }
}

/// What a body check needs of a JSON value (``JSONValue`` is the daemon's, from the runbook).
extension JSONValue {
    /// "an array", "a number", "null" …
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The path of the first `null` in this value, itself at `path`; nil without one.
    func firstNull(path: String) -> String? {
        switch self {
        case .null:
            return path
        case .object(let members):
            for key in members.keys.sorted() {
                if let found = members[key]?.firstNull(path: "\(path).\(key)") { return found }
            }
            return nil
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let found = element.firstNull(path: "\(path)[\(index)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// The value at a coding path, if there is one.
    func value(at codingPath: [any CodingKey]) -> JSONValue? {
        var current = self
        for key in codingPath {
            switch current {
            case .array(let elements):
                guard let index = key.intValue, elements.indices.contains(index) else { return nil }
                current = elements[index]
            case .object(let members):
                guard let next = members[key.stringValue] else { return nil }
                current = next
            default:
                return nil
            }
        }
        return current
    }
}
