import Foundation
import LifeboatCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// One element of an S3 XML answer: its name, direct text and children; namespaces dropped.
struct S3XMLElement: Sendable {
    /// The local name, e.g. `Contents`.
    var name: String
    /// The text directly inside the element.
    var text: String = ""
    /// The child elements in document order.
    var children: [S3XMLElement] = []

    /// The first child named `name`.
    func child(_ name: String) -> S3XMLElement? {
        children.first { $0.name == name }
    }

    /// Every child named `name`.
    func children(_ name: String) -> [S3XMLElement] {
        children.filter { $0.name == name }
    }

    /// The text of the first child named `name`.
    func value(_ name: String) -> String? {
        child(name)?.text
    }

    /// Parses a document with Foundation's `XMLParser`; nil when it is not well-formed UTF-8 XML.
    static func parse(_ data: Data) -> S3XMLElement? {
        // XMLParser on Linux traps on element names that are not UTF-8, which arbitrary bytes
        // (a body that is not XML at all) can produce: only valid UTF-8 reaches it.
        guard data.first(where: { !isXMLWhitespace($0) }) == UInt8(ascii: "<"), String(validating: data, as: UTF8.self) != nil
        else { return nil }
        let parser = XMLParser(data: data)
        let builder = TreeBuilder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        guard parser.parse() else { return nil }
        return builder.root
    }

    private static func isXMLWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Builds the tree from parser events; lives only for one synchronous `parse()`.
    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [S3XMLElement] = []
        var root: S3XMLElement?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            stack.append(S3XMLElement(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let finished = stack.popLast() else { return }
            if stack.isEmpty {
                root = finished
            } else {
                stack[stack.count - 1].children.append(finished)
            }
        }
    }
}
