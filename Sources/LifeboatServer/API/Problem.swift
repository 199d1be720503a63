import Foundation
import Hummingbird
import LifeboatCore
import LifeboatJobs

/// An error answered as `application/problem+json` (RFC 9457).
public struct Problem: HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short summary of the kind of problem.
    public var title: String
    /// What went wrong this time, for the operator.
    public var detail: String
    /// The request field at fault, for 422 answers.
    public var field: String?

    /// Creates a problem.
    public init(_ status: HTTPResponse.Status, _ detail: String, title: String? = nil, field: String? = nil) {
        self.status = status
        self.detail = detail
        self.title = title ?? status.reasonPhrase
        self.field = field
    }

    struct Body: Encodable {
        var type = "about:blank"
        var title: String
        var status: Int
        var detail: String
        var field: String?
    }

    /// The JSON answer.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(title: title, status: status.code, detail: detail, field: field)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"lifeboat\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The problem for an engine error.
    public static func from(_ error: LifeboatError) -> Problem {
        switch error.code {
        case .notFound: Problem(.notFound, error.message)
        case .invalidArgument: Problem(.unprocessableContent, error.message)
        case .alreadyExists, .locked: Problem(.conflict, error.message)
        case .unsupported: Problem(.conflict, error.message)
        case .wrongPassword, .notARepository, .corrupted, .io, .noSpace: Problem(.serviceUnavailable, error.message)
        default: Problem(.internalServerError, error.message)
        }
    }
}

/// Turns every error a route throws into problem+json, so no answer leaks a stack or a secret.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as LifeboatError {
            return try Problem.from(error).response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // The router's own answer for a path it has no route for.
            return try Problem(.notFound, "no route for \(API.show(request.uri.path)); the API is described at /api/v1/openapi.json")
                .response(from: request, context: context)
        } catch let error as HTTPError {
            return try Problem(error.status, error.body ?? error.status.reasonPhrase).response(from: request, context: context)
        } catch let error as DecodingError {
            return try Problem(.unprocessableContent, Self.describe(error)).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(type(of: error))"])
            return try Problem(.internalServerError, "internal error").response(from: request, context: context)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = RequestBody.path(context.codingPath)
            return text.isEmpty ? "request body" : text
        }
        switch error {
        case .typeMismatch(let type, let c): return "\(path(c)): expected \(RequestBody.describe(type))"
        case .valueNotFound(_, let c): return "\(path(c)): missing value"
        case .keyNotFound(let key, let c): return "\(RequestBody.path(c.codingPath + [key])): missing required property"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "request body: could not be read"
        }
    }
}
