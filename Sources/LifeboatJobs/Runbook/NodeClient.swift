import AsyncHTTPClient
import Foundation
import LifeboatCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Talks to a node's own API: status, diagnostics and (Nuts) reprocess.
struct NodeClient: Sendable {
    let base: String

    func get(_ path: String, json: Bool = false) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: base + path)
        if json { request.headers.add(name: "Accept", value: "application/json") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), Data(buffer: try await response.body.collect(upTo: 8 << 20)))
    }

    /// Whether `GET /status` answers 200.
    func isUp() async -> Bool {
        (try? await get("/status").status) == 200
    }

    /// `GET /status/diagnostics` as JSON.
    func diagnostics() async throws -> JSONValue {
        let (status, body) = try await get("/status/diagnostics", json: true)
        guard status == 200 else { throw LifeboatError(.io, "\(base)/status/diagnostics answered \(status)") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body), case .object = value else {
            throw LifeboatError(.io, "\(base)/status/diagnostics did not answer a JSON object")
        }
        return value
    }

    /// `POST /internal/network/v1/reprocess?type=…`, expecting 202.
    func reprocess(_ type: String) async throws {
        let url = base + "/internal/network/v1/reprocess?type=" + NodeProfiles.escapeQueryValue(type)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try? await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 202 || response.status.code == 200 else {
            throw LifeboatError(.io, "reprocess of \(type) answered \(response.status.code), expected 202")
        }
    }

}

/// Any JSON value, decoded without Foundation's bridging (so booleans stay booleans).
public indirect enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The scalar leaves as `a.b[0].c` → value.
    func leaves(prefix: String = "", into out: inout [String: JSONValue]) {
        switch self {
        case .object(let o): for (k, v) in o { v.leaves(prefix: prefix.isEmpty ? k : "\(prefix).\(k)", into: &out) }
        case .array(let a): for (i, v) in a.enumerated() { v.leaves(prefix: "\(prefix)[\(i)]", into: &out) }
        default: out[prefix] = self
        }
    }

    var text: String {
        switch self {
        case .null: "null"
        case .bool(let b): String(b)
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .string(let s): s
        case .array, .object: "…"
        }
    }
}
