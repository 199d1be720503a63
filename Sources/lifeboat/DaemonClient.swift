import ArgumentParser
import AsyncHTTPClient
import Foundation
import LifeboatCore
import LifeboatJobs
import LifeboatServer
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Options of the commands that talk to a running daemon.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's URL (or LIFEBOAT_SERVER); default http://127.0.0.1:8480.", valueName: "URL"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Read the API token from this file (or set LIFEBOAT_TOKEN).", valueName: "FILE"))
    var tokenFile: String?

    @Flag(name: .long, help: "Print machine-readable JSON on stdout.")
    var json = false

    func client() throws -> DaemonClient {
        let env = ProcessInfo.processInfo.environment
        let base = server ?? env["LIFEBOAT_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8480"
        guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw LifeboatError(.invalidArgument, "server URL \"\(base)\" is not an http(s)://HOST[:PORT] URL")
        }
        var token: String?
        if let tokenFile {
            let text = String(decoding: try readFile(tokenFile, what: "token file"), as: UTF8.self)
            token = text.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) }
            if token?.isEmpty ?? true { throw LifeboatError(.invalidArgument, "token file \(tokenFile) is empty") }
        } else if let value = env["LIFEBOAT_TOKEN"], !value.isEmpty {
            token = value
        }
        return DaemonClient(base: base.hasSuffix("/") ? String(base.dropLast()) : base, token: token)
    }
}

/// A small client of the daemon's REST API.
struct DaemonClient: Sendable {
    let base: String
    let token: String?

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(text)"))
            }
            return date
        }
        return d
    }()

    struct ProblemBody: Decodable {
        var status: Int
        var detail: String
    }

    /// Sends a request and returns the body of a 2xx answer; a problem answer becomes a LifeboatError.
    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        } catch {
            throw LifeboatError(.io, "cannot reach the daemon at \(base): \(error); is lifeboat serve running? (--server URL)")
        }
        let data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
        guard (200..<300).contains(Int(response.status.code)) else {
            let detail = (try? JSONDecoder().decode(ProblemBody.self, from: data).detail) ?? response.status.reasonPhrase
            let code: LifeboatError.Code =
                switch response.status.code {
                case 404: .notFound
                case 401, 403: .invalidArgument
                case 409: .locked
                default: .io
                }
            throw LifeboatError(code, "the daemon answered \(response.status.code): \(detail)")
        }
        return data
    }

    func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        try Self.decoder.decode(T.self, from: try await send(.GET, path))
    }

    func post<T: Decodable>(_ path: String, body: Data? = nil, as type: T.Type) async throws -> T {
        try Self.decoder.decode(T.self, from: try await send(.POST, path, body: body))
    }
}

/// Percent-encodes one path segment.
func pathSegment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}
