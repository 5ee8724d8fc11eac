internal import Hummingbird

/// Requires `Authorization: Bearer KEY` on `/v1` when keys are configured; keys compare in constant time.
/// Signed content URLs and the render webhook carry their own authentication and pass through.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !keys.isEmpty, path.hasPrefix("/v1/"), path != "/v1/webhooks/render",
            !(path.hasPrefix("/v1/assets/") && path.hasSuffix("/content"))
        else { return try await next(request, context) }
        guard Self.isAuthorized(request, keys: keys) else {
            throw ProblemDocument(.unauthorized, code: "unauthorized", detail: "send Authorization: Bearer <API key>")
        }
        return try await next(request, context)
    }

    static func isAuthorized(_ request: Request, keys: [String]) -> Bool {
        if keys.isEmpty { return true }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let given = String(header.dropFirst(7))
        // Check every key, so the time taken does not say which one nearly matched.
        var matched = false
        for key in keys where ConstantTime.equals(given, key) { matched = true }
        return matched
    }
}

typealias APIKeyCheck = APIKeyMiddleware<BasicRequestContext>
