import AsyncHTTPClient
import Foundation
import LifeboatConfig
import LifeboatCore
import Logging

/// A Splice validator's participant identities: `GET /api/validator/v0/admin/participant/identities` with a bearer token.
///
/// The endpoint has been seen answering 404 after an upgrade for days unnoticed, so every
/// status but 200 is a failure with its own message, and the body is validated in full.
enum CantonIdentitiesSource {
    /// The endpoint's path below the validator's base URL.
    static let path = "/api/validator/v0/admin/participant/identities"

    /// How long a Canton request may take: a dump of a busy participant takes a while.
    static let timeoutSeconds: Double = 60

    /// Fetches a token, then the dump, and validates it.
    static func collect(
        _ source: CantonSource, client: HTTPClient, environment: [String: String], logger: Logger
    ) async throws -> CollectedIdentity {
        let http = try IdentityHTTP(client: client, timeoutSeconds: timeoutSeconds, caFile: nil, what: "the validator")
        let token: String
        switch source.authentication {
        case .tokenFile(let path): token = try SecretReader.firstLine(of: path, what: "Canton bearer token")
        case .oauth(let oauth): token = try await OAuthTokenFetcher.token(oauth, http: http)
        }
        let base = source.url.hasSuffix("/") ? String(source.url.dropLast()) : source.url
        let url = base + path
        let response = try await http.send(
            .GET, url, headers: [("Authorization", "Bearer \(token)"), ("Accept", "application/json")], what: "the validator")
        switch response.status {
        case 200: break
        case 404:
            throw LifeboatError(
                .notFound,
                "the identities endpoint \(url) answered 404 Not Found: the validator app does not serve identity dumps at this URL (wrong url, or an upgrade moved or disabled the endpoint); no dump was stored"
            )
        case 401, 403:
            throw LifeboatError(
                .wrongPassword,
                "the identities endpoint \(url) answered \(response.status): the bearer token was refused (it needs validator admin rights)"
            )
        default:
            throw LifeboatError(.io, "the identities endpoint \(url) answered HTTP \(response.status); no dump was stored")
        }
        let collected = try CantonIdentitiesDump.parse(response.body, origin: url)
        logger.info(
            "canton identities fetched",
            metadata: ["canton.id": "\(collected.cantonID ?? "")", "canton.keys": "\(collected.keys.count)"])
        return collected
    }
}
