import AsyncHTTPClient
import Foundation
import LifeboatConfig
import LifeboatCore

/// The Nuts node's key store in HashiCorp Vault: `<prefix>/nuts-private-keys/<name>` with the PEM in field `key`.
///
/// KV version 1 (the Nuts node's): `GET/PUT /v1/<prefix>/nuts-private-keys/<name>`, list with
/// `GET …/nuts-private-keys?list=true`. Version 2: `/v1/<prefix>/data/nuts-private-keys/<name>`
/// (value under `data.data`), list under `/v1/<prefix>/metadata/…`. The token goes in `X-Vault-Token`.
struct VaultKeyStore: Sendable {
    /// The Nuts node's folder inside the mount.
    static let folder = "nuts-private-keys"

    let source: VaultSource
    let http: IdentityHTTP
    let token: String

    /// Opens the store: reads the token; nothing is sent yet.
    init(source: VaultSource, client: HTTPClient, environment: [String: String]) throws {
        self.source = source
        http = try IdentityHTTP(client: client, timeoutSeconds: source.timeout.seconds, caFile: source.caFile, what: "Vault")
        token = try SecretReader.read(source.token, environment: environment, what: "Vault token")
    }

    private var base: String {
        source.address.hasSuffix("/") ? String(source.address.dropLast()) : source.address
    }

    /// Where the mount and folder are, for messages (no token).
    var location: String { "\(base) (\(source.prefix)/\(Self.folder), KV v\(source.kvVersion))" }

    private func keyURL(_ name: String) -> String {
        let segment = IdentityHTTP.escapeSegment(name)
        return source.kvVersion == 2
            ? "\(base)/v1/\(source.prefix)/data/\(Self.folder)/\(segment)" : "\(base)/v1/\(source.prefix)/\(Self.folder)/\(segment)"
    }

    private var listURL: String {
        source.kvVersion == 2
            ? "\(base)/v1/\(source.prefix)/metadata/\(Self.folder)?list=true" : "\(base)/v1/\(source.prefix)/\(Self.folder)?list=true"
    }

    private var headers: [(String, String)] { [("X-Vault-Token", token), ("Accept", "application/json")] }

    /// Checks the token with `auth/token/lookup-self`, as the Nuts node does at startup.
    func checkToken() async throws {
        let url = "\(base)/v1/auth/token/lookup-self"
        let response = try await http.send(.GET, url, headers: headers, what: "Vault")
        guard response.status == 200 else {
            throw LifeboatError(
                response.status == 403 ? .wrongPassword : .io,
                "Vault at \(base) refused the token on auth/token/lookup-self (\(Self.describe(response))); check token_file/token_env")
        }
    }

    /// The key names under the folder; sub-folders (names ending in `/`) are skipped.
    func list() async throws -> [String] {
        let response = try await http.send(.GET, listURL, headers: headers, what: "Vault")
        if response.status == 404 { return [] }
        guard response.status == 200 else {
            throw LifeboatError(.io, "Vault LIST of \(location) failed (\(Self.describe(response)))")
        }
        guard let data = IdentityHTTP.jsonObject(response.body)?["data"] as? [String: Any], let keys = data["keys"] as? [String]
        else {
            throw LifeboatError(.io, "Vault LIST of \(location) answered 200 without data.keys")
        }
        return keys.filter { !$0.hasSuffix("/") }.sorted()
    }

    /// The PEM in field `key` of one entry, or nil when the entry does not exist.
    func read(_ name: String) async throws -> String? {
        let response = try await http.send(.GET, keyURL(name), headers: headers, what: "Vault")
        if response.status == 404 { return nil }
        guard response.status == 200 else {
            throw LifeboatError(.io, "Vault read of key \(name) in \(location) failed (\(Self.describe(response)))")
        }
        var data = IdentityHTTP.jsonObject(response.body)?["data"] as? [String: Any]
        if source.kvVersion == 2 { data = data?["data"] as? [String: Any] }
        guard let key = data?["key"] as? String else {
            throw LifeboatError(
                .corrupted, "Vault entry \(name) in \(location) has no string field \"key\" (the Nuts node stores the PEM there)")
        }
        return key
    }

    /// Writes one entry with the PEM in field `key` (PUT for v1, POST `{data:{key}}` for v2).
    func write(_ name: String, pem: String) async throws {
        let object: [String: Any] = source.kvVersion == 2 ? ["data": ["key": pem]] : ["key": pem]
        let body = Array(try JSONSerialization.data(withJSONObject: object))
        let response = try await http.send(
            source.kvVersion == 2 ? .POST : .PUT, keyURL(name), headers: headers + [("Content-Type", "application/json")],
            body: body, what: "Vault")
        guard response.status == 200 || response.status == 204 else {
            throw LifeboatError(.io, "Vault write of key \(name) to \(location) failed (\(Self.describe(response)))")
        }
    }

    /// `403: permission denied`: the status and Vault's `errors` strings, which carry no secrets.
    static func describe(_ response: IdentityHTTP.Response) -> String {
        let errors = (IdentityHTTP.jsonObject(response.body)?["errors"] as? [String]) ?? []
        return errors.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status): \(errors.joined(separator: "; "))"
    }
}
