internal import Hummingbird
internal import MixdownJobs
internal import MixdownRecipe

/// Requires `Authorization: Bearer KEY` when keys are configured; keys compare in constant time.
///
/// The middleware sits on the `/v1` group that holds the key-protected routes, so it runs for whatever
/// spelling of a path the router resolves to one of them (`//v1/jobs` included). Routes that carry their own
/// authentication (signed content URLs, the render webhook) live in a group without it.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isAuthorized(request, keys: keys) else {
            throw ProblemDocument(.unauthorized, code: .unauthorized, detail: "send Authorization: Bearer <API key>")
        }
        return try await next(request, context)
    }

    /// True without keys, or when the request's bearer token is one of them.
    static func isAuthorized(_ request: Request, keys: [String]) -> Bool {
        if keys.isEmpty { return true }
        guard let given = bearerToken(request) else { return false }
        // Check every key, so the time taken does not say which one nearly matched.
        var matched = false
        for key in keys where ConstantTime.equals(given, key) { matched = true }
        return matched
    }

    /// The token of an `Authorization: Bearer TOKEN` header; the scheme is case-insensitive (RFC 9110
    /// section 11.1), and one or more spaces may follow it. Nil when the header is missing, another
    /// scheme, or has no token.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let scheme = header.prefix { $0 != " " }
        guard scheme.lowercased() == "bearer" else { return nil }
        let token = header.dropFirst(scheme.count).drop { $0 == " " }
        return token.isEmpty ? nil : String(token)
    }
}

typealias APIKeyCheck = APIKeyMiddleware<BasicRequestContext>
