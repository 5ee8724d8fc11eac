internal import Hummingbird

/// Requires `Authorization: Bearer KEY` on every route when keys are configured, except the few listed as
/// public; keys compare in constant time. The decision uses the matched route pattern, not the raw path,
/// so spellings such as `//v1/jobs` that the router still resolves cannot slip past.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: [String]

    /// Health checks, the metrics scrape, and the routes that carry their own authentication
    /// (signed content URLs, the render webhook's shared secret).
    static var publicRoutes: Set<String> { ["/healthz", "/readyz", "/metrics", "/v1/webhooks/render", "/v1/assets/{assetId}/content"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !keys.isEmpty, !Self.publicRoutes.contains(context.endpointPath ?? "") else { return try await next(request, context) }
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
