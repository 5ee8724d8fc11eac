internal import Hummingbird

/// Makes every error the router answers a problem document: Hummingbird's own `HTTPError`s (an unknown
/// route is one) become ``ProblemDocument``s with a code from their status. A `HEAD` request gets the
/// problem's headers without its body, as it would for a success.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as ProblemDocument {
            guard request.method == .head else { throw problem }
            return try problem.response(from: request, context: context).createHeadResponse()
        } catch let error as HTTPError {
            let problem = Self.problem(for: error, request: request)
            guard request.method == .head else { throw problem }
            return try problem.response(from: request, context: context).createHeadResponse()
        }
    }

    static func problem(for error: HTTPError, request: Request) -> ProblemDocument {
        if error.status == .notFound {
            return ProblemDocument(.notFound, code: "not-found", detail: "no route \(request.method) \(request.uri.path)")
        }
        let code = error.status.reasonPhrase.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: "-")
        return ProblemDocument(error.status, code: code.isEmpty ? "http-\(error.status.code)" : code, detail: error.body ?? error.status.reasonPhrase)
    }
}
