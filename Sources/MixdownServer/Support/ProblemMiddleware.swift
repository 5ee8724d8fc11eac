internal import Hummingbird
internal import Logging

/// The outermost middleware: whatever fails below it reaches the client as a problem document. Errors
/// that are already problem documents pass through; Hummingbird's own errors (no route, bad request)
/// keep their status; anything else is a 500 whose detail names no server internals (paths, SQL), only
/// a reference to the server's log line.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as ProblemDocument {
            throw problem
        } catch let error as HTTPError {
            throw ProblemDocument(error.status, code: Self.code(for: error.status), detail: Self.detail(for: error))
        } catch is CancellationError {
            throw ProblemDocument(.serviceUnavailable, code: "cancelled", detail: "the server is shutting down")
        } catch let error as any HTTPResponseError {
            throw ProblemDocument(error.status, code: Self.code(for: error.status), detail: error.status.reasonPhrase)
        } catch {
            let reference = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            context.logger.error("internal error", metadata: ["reference": "\(reference)", "error": "\(error)", "path": "\(request.uri.path)"])
            throw ProblemDocument(.internalServerError, code: "internal", detail: "internal error (reference \(reference) in the server log)")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 413: "too-large"
        case 400: "bad-request"
        case 500...: "internal"
        default: "http-\(status.code)"
        }
    }

    static func detail(for error: HTTPError) -> String {
        // Hummingbird's messages describe the request, never the server; still, keep them short.
        if let body = error.body, !body.isEmpty { return String(body.prefix(200)) }
        return error.status.reasonPhrase
    }
}
