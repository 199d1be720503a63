import Crypto
import Foundation
import Hummingbird
import LifeboatConfig
import LifeboatCore
import LifeboatJobs

/// The request context of the API: who is calling, once the bearer token is checked.
public struct APIContext: RequestContext {
    /// Hummingbird's storage.
    public var coreContext: CoreRequestContextStorage
    /// The caller's role; nil without a token.
    public var role: APIToken.Role?
    /// The name of the caller's token (never the token itself), for logs.
    public var tokenName: String?
    /// Why the `Authorization` header was refused (malformed, or no configured token), if
    /// it was; answered 401 by ``require(_:)``, so public routes ignore bad credentials.
    public var credentialProblem: String?

    /// Creates the context for a request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Throws 401 without a valid token and 403 when the role is too low.
    public func require(_ needed: APIToken.Role) throws {
        if let credentialProblem {
            throw Problem(.unauthorized, "\(credentialProblem); this call needs role \(needed.rawValue) or higher")
        }
        guard let role else {
            throw Problem(
                .unauthorized, "this call needs a bearer token (Authorization: Bearer TOKEN) with role \(needed.rawValue) or higher")
        }
        guard role.rank >= needed.rank else {
            throw Problem(.forbidden, "token \(tokenName ?? "?") has role \(role.rawValue); this call needs \(needed.rawValue) or higher")
        }
    }
}

extension APIToken.Role {
    /// viewer < operator < admin.
    var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }
}

/// Checks `Authorization: Bearer …` against the configured token hashes in constant time.
/// A valid token sets the role; a malformed header or an unknown token is noted in
/// ``APIContext/credentialProblem`` and refused (401) by the first route that needs a role,
/// so the public routes (health, readiness, metrics, the OpenAPI document) answer whatever
/// the header says. Tokens are never logged.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let tokens: [APIToken]

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count != 2 || parts[0].lowercased() != "bearer" {
                context.credentialProblem = "the Authorization header must be \"Bearer TOKEN\""
            } else if let token = Self.match(String(parts[1]).trimmingCharacters(in: .whitespaces), tokens) {
                context.role = token.role
                context.tokenName = token.name
                context.logger[metadataKey: "token"] = "\(token.name)"
            } else {
                context.credentialProblem = "the bearer token is not valid"
            }
        }
        return try await next(request, context)
    }

    /// The configured token whose hash matches; every hash is compared in full.
    static func match(_ presented: String, _ tokens: [APIToken]) -> APIToken? {
        let digest = Array(SHA256.hash(data: Data(presented.utf8)))
        var found: APIToken?
        for token in tokens {
            guard let expected = Hex.decode(token.sha256), expected.count == digest.count else { continue }
            var difference: UInt8 = 0
            for i in 0..<digest.count { difference |= digest[i] ^ expected[i] }
            if difference == 0 && found == nil { found = token }
        }
        return found
    }
}
