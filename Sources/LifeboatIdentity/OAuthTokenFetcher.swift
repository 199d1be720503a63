import Foundation
import LifeboatConfig
import LifeboatCore

/// The OAuth 2 client-credentials grant (RFC 6749 §4.4): a form POST to the token URL, `access_token` back.
enum OAuthTokenFetcher {
    /// Fetches one access token; the client secret and token never appear in messages.
    static func token(_ client: OAuthClient, http: IdentityHTTP) async throws -> String {
        let secret = try SecretReader.firstLine(of: client.clientSecretFile, what: "OAuth client secret")
        var fields = [("grant_type", "client_credentials"), ("client_id", client.clientID), ("client_secret", secret)]
        if let audience = client.audience { fields.append(("audience", audience)) }
        let body = fields.map { "\(formEscape($0.0))=\(formEscape($0.1))" }.joined(separator: "&")
        let response = try await http.send(
            .POST, client.tokenURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(body.utf8), what: "the OAuth token endpoint")
        guard response.status == 200 else {
            let error = (IdentityHTTP.jsonObject(response.body)?["error"] as? String).map { " (\($0))" } ?? ""
            throw LifeboatError(
                response.status == 400 || response.status == 401 ? .wrongPassword : .io,
                "the OAuth token endpoint \(client.tokenURL) answered HTTP \(response.status)\(error) for client \(client.clientID)")
        }
        guard let token = IdentityHTTP.jsonObject(response.body)?["access_token"] as? String, !token.isEmpty else {
            throw LifeboatError(.io, "the OAuth token endpoint \(client.tokenURL) answered 200 without an access_token")
        }
        return token
    }

    /// `application/x-www-form-urlencoded` escaping of one name or value.
    private static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
