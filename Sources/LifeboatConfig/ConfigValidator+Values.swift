import Foundation
import LifeboatCore

// Typed readers: each returns the value, or records one problem and returns nil.
extension ConfigValidator {
    /// A mapping whose keys are all in `keys`; an unknown key is reported at its own line.
    func mapping(_ node: ConfigNode, keys: [String]) -> ConfigMapping? {
        guard case .mapping(let entries) = node.content else {
            report(node, "expected a mapping of keys (\(keys.joined(separator: ", "))), got \(node.shapeName)")
            return nil
        }
        var mapping = ConfigMapping(node: node, entries: entries)
        for entry in entries where !keys.contains(entry.key) {
            report(
                node.withOrigin(entry.value.origin),
                "unknown key \"\(entry.key)\" (expected one of: \(keys.joined(separator: ", ")))")
            mapping.unknownKeys.append(entry.key)
        }
        return mapping
    }

    /// Reports a problem with a section as a whole, unless it has an unknown key.
    ///
    /// A misspelt key usually *is* the missing one, and its own report points
    /// at the right line; a second report about the section would come first
    /// in document order and hide it.
    func reportSection(_ mapping: ConfigMapping, _ message: String) {
        if mapping.unknownKeys.isEmpty { report(mapping.node, message) }
    }

    /// The value of a key the section cannot do without.
    func required(_ mapping: ConfigMapping, _ key: String, _ hint: String = "") -> ConfigNode? {
        if let value = mapping[key] { return value }
        reportSection(mapping, "missing required key \"\(key)\"\(hint)")
        return nil
    }

    /// The one key of `keys` that is present; reports when none or several are.
    func exactlyOne(_ mapping: ConfigMapping, of keys: [String]) -> String? {
        let present = mapping.present(keys)
        guard present.count == 1 else {
            if present.count > 1 {
                report(mapping.node, "give exactly one of \(keys.joined(separator: ", "))")
            } else {
                reportSection(mapping, "give exactly one of \(keys.joined(separator: ", "))")
            }
            return nil
        }
        return present[0]
    }

    /// A list's items; `what` names an item for the message.
    func list(_ node: ConfigNode, of what: String) -> [ConfigNode]? {
        guard case .sequence(let items) = node.content else {
            report(node, "expected a list of \(what), got \(node.shapeName)")
            return nil
        }
        return items
    }

    /// A non-empty scalar.
    func text(_ node: ConfigNode) -> String? {
        switch node.content {
        case .scalar(let text):
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                report(node, "must not be empty")
                return nil
            }
            return text
        case .null:
            report(node, "has no value")
        case .mapping, .sequence:
            report(node, "expected a single value, got \(node.shapeName)")
        }
        return nil
    }

    /// A whole number in `range`.
    func integer(_ node: ConfigNode, in range: ClosedRange<Int>) -> Int? {
        guard let text = text(node) else { return nil }
        guard let value = Int(text) else {
            report(node, "\"\(text)\" is not a whole number")
            return nil
        }
        guard range.contains(value) else {
            let bound =
                range.upperBound == Int.max ? "at least \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            report(node, "\(value) is out of range; use \(bound)")
            return nil
        }
        return value
    }

    /// `true` or `false` (any case); YAML 1.1's yes/no/on/off are refused as ambiguous.
    func boolean(_ node: ConfigNode) -> Bool? {
        guard let text = text(node) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default:
            report(node, "\"\(text)\" is not true or false")
            return nil
        }
    }

    /// One of an enumeration's raw values; `noun` names the kind, e.g. "role".
    func choice<Choice: RawRepresentable & CaseIterable>(
        _ node: ConfigNode, _ type: Choice.Type, noun: String
    )
        -> Choice? where Choice.RawValue == String
    {
        guard let text = text(node) else { return nil }
        if let value = Choice(rawValue: text) { return value }
        let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        let article = noun.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        report(node, "\"\(text)\" is not \(article) \(noun) (expected one of: \(names))")
        return nil
    }

    /// A Go-style duration, with ``Interval``'s own message on failure.
    func interval(_ node: ConfigNode) -> Interval? {
        guard let text = text(node) else { return nil }
        do {
            return try Interval(text)
        } catch {
            report(node, Self.message(of: error))
            return nil
        }
    }

    /// A name of a node, repository, token or database: `[a-z0-9][a-z0-9-_.]{0,62}`.
    func name(_ node: ConfigNode) -> String? {
        guard let text = text(node) else { return nil }
        return checkedName(text, at: node)
    }

    /// Checks `text` against the name rule, reporting at `node`.
    func checkedName(_ text: String, at node: ConfigNode) -> String? {
        let bytes = Array(text.utf8)
        let isLowerOrDigit = { (byte: UInt8) in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        let valid =
            (1...63).contains(bytes.count) && isLowerOrDigit(bytes[0])
            && bytes.allSatisfy { isLowerOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        guard valid else {
            report(
                node,
                "\"\(text)\" is not a valid name (1 to 63 of a-z, 0-9, '-', '_', '.', starting with a letter or digit)")
            return nil
        }
        return text
    }

    /// A file path, made absolute against the configuration file's directory.
    func filePath(_ node: ConfigNode) -> String? {
        guard let text = pathText(node) else { return nil }
        return resolve(text)
    }

    /// A path as written, checked for the mistakes a shell would have hidden.
    func pathText(_ node: ConfigNode) -> String? {
        guard let text = text(node) else { return nil }
        if text.hasPrefix("~") {
            report(node, "\"\(text)\": ~ is not expanded here; write the full path")
            return nil
        }
        if text.contains("\0") {
            report(node, "the path contains a NUL character")
            return nil
        }
        return text
    }

    /// A path relative to a node's datadir, or absolute; kept as written.
    ///
    /// A relative path needs a datadir and must stay inside it, so a restore
    /// that recreates the datadir's layout cannot write elsewhere.
    func datadirPath(_ node: ConfigNode, relativeAllowed: Bool) -> String? {
        guard let text = pathText(node) else { return nil }
        if text.hasPrefix("/") { return text }
        guard relativeAllowed else {
            report(node, "\"\(text)\" is relative but the node has no datadir; give datadir or an absolute path")
            return nil
        }
        var depth = 0
        for component in text.split(separator: "/") {
            depth += component == ".." ? -1 : (component == "." ? 0 : 1)
            if depth < 0 {
                report(node, "\"\(text)\" leads out of the datadir; use an absolute path instead")
                return nil
            }
        }
        return text
    }

    /// The name of an environment variable: letters, digits and `_`, not starting with a digit.
    func environmentVariableName(_ node: ConfigNode) -> String? {
        guard let text = text(node) else { return nil }
        let valid =
            !(text.first?.isASCIIDigit ?? true)
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        guard valid else {
            report(node, "\"\(text)\" is not an environment variable name (letters, digits and _, e.g. LIFEBOAT_PASSWORD)")
            return nil
        }
        return text
    }

    /// An `http://` or `https://` URL with a host.
    func httpURL(_ node: ConfigNode, example: String) -> String? {
        guard let text = text(node) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            report(node, "\"\(text)\" is not an http(s) URL, e.g. \(example)")
            return nil
        }
        guard url.user == nil, url.password == nil else {
            report(node, "the URL must not contain credentials; use the token or secret file keys instead")
            return nil
        }
        return text
    }

    /// Reports every value whose key (e.g. a name) was already used, naming the first line.
    func requireUnique(_ values: [(key: String, node: ConfigNode)], _ describe: (String) -> String) {
        var firstLine: [String: Int] = [:]
        for (key, node) in values {
            if let line = firstLine[key] {
                report(node, "\(describe(key)) is used twice (also line \(line))")
            } else {
                firstLine[key] = node.line
            }
        }
    }

    /// The message of a ``LifeboatError`` from a Core parser, or the error's text.
    static func message(of error: any Error) -> String {
        (error as? LifeboatError)?.message ?? "\(error)"
    }
}

extension Character {
    /// `0`–`9` only, unlike `isNumber`, which also accepts other scripts' digits.
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
