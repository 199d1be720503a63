import Hummingbird

/// The daemon's router, answering 405 with an `Allow` header (RFC 9110 §15.5.6) when a path
/// it serves is asked with a method it does not serve there; the router alone answers 404.
///
/// The check comes before authentication: which methods a path takes is public (the OpenAPI
/// document lists them), so a 405 tells a caller without a token nothing new.
///
/// ```swift
/// let app = Application(router: MethodCheckedRouter(APIRouter.build(daemon)))
/// ```
struct MethodCheckedRouter: HTTPResponderBuilder {
    let router: Router<APIContext>

    init(_ router: Router<APIContext>) {
        self.router = router
    }

    func buildResponder() -> Responder {
        var methods: [(path: RouterPath, methods: Set<HTTPRequest.Method>)] = []
        for route in router.routes {
            if let index = methods.firstIndex(where: { $0.path == route.path }) {
                methods[index].methods.insert(route.method)
            } else {
                methods.append((route.path, [route.method]))
            }
        }
        // The router answers HEAD wherever it answers GET (`.autoGenerateHeadEndpoints`).
        for index in methods.indices where methods[index].methods.contains(.get) { methods[index].methods.insert(.head) }
        return Responder(paths: methods, router: router.buildResponder())
    }

    /// Checks the method, then hands the request to the router.
    struct Responder: HTTPResponder {
        /// Every route's path with the methods served there.
        let paths: [(path: RouterPath, methods: Set<HTTPRequest.Method>)]
        let router: RouterResponder<APIContext>

        func respond(to request: Request, context: APIContext) async throws -> Response {
            let allowed = allowedMethods(request.uri.path)
            guard allowed.isEmpty || allowed.contains(request.method) else {
                let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
                var response = try Problem(
                    .methodNotAllowed, "\(request.method.rawValue) is not allowed on \(request.uri.path); it takes \(list)"
                ).response(from: request, context: context)
                response.headers[.allow] = list
                return response
            }
            return try await router.respond(to: request, context: context)
        }

        /// The methods served on every route path that matches `path` (empty when none does,
        /// which the router answers 404).
        func allowedMethods(_ path: String) -> Set<HTTPRequest.Method> {
            let segments = path.split(separator: "/", omittingEmptySubsequences: true)
            var allowed: Set<HTTPRequest.Method> = []
            for entry in paths where entry.path.count == segments.count {
                if zip(entry.path, segments).allSatisfy({ $0 ~= $1 }) { allowed.formUnion(entry.methods) }
            }
            return allowed
        }
    }
}
