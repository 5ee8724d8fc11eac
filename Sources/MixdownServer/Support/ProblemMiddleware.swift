internal import Hummingbird
internal import Logging
internal import MixdownJobs
internal import MixdownRecipe
internal import MixdownStorage

/// Makes every error the router answers a problem document. Problem documents pass through; Hummingbird's
/// own `HTTPError`s (an unknown route is one) become problem documents with a code from their status; any
/// other error is a 500 `internal` whose detail names no server internals (paths, SQL), only a reference
/// to the server's log line. A `HEAD` request gets the problem's headers without its body, as it would for
/// a success.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let problem: ProblemDocument
        do {
            return try await next(request, context)
        } catch let error as ProblemDocument {
            problem = error
        } catch let error as HTTPError {
            problem = Self.problem(for: error, request: request)
        } catch let error as StorageError {
            // A storage failure a request ran into (an asset whose bytes are gone): its code says what and whether to retry.
            context.logger.error("storage error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            problem = ProblemDocument(error.error)
        } catch let error as any BackendUnavailable where error.isUnavailable {
            // An outage of the store or the bucket: the client may try again; the operator reads the cause in the log.
            context.logger.error("backend unavailable", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            problem = ProblemDocument(
                .serviceUnavailable,
                code: .backendUnavailable,
                detail: "the job store or the storage cannot be reached now; try again shortly"
            )
        } catch let error as any HTTPResponseError {
            problem = ProblemDocument(error.status, code: Self.code(for: error.status), detail: error.status.reasonPhrase)
        } catch {
            let reference = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            context.logger.error("internal error", metadata: ["reference": "\(reference)", "error": "\(error)", "path": "\(request.uri.path)"])
            problem = ProblemDocument(.internalServerError, code: .internal, detail: "internal error (reference \(reference) in the server log)")
        }
        guard request.method == .head else { throw problem }
        return try problem.response(from: request, context: context).createHeadResponse()
    }

    /// The code for an error Hummingbird raised itself, which knows only its status.
    static func code(for status: HTTPResponse.Status) -> ErrorCode {
        switch status.code {
        case 400: .badRequest
        case 401: .unauthorized
        case 404: .notFound
        case 405: .methodNotAllowed
        case 413: .tooLarge
        case 415: .unsupportedMediaType
        case 416: .rangeNotSatisfiable
        case 500...: .internal
        default: .httpError
        }
    }

    static func problem(for error: HTTPError, request: Request) -> ProblemDocument {
        if error.status == .notFound {
            return ProblemDocument(.notFound, code: .notFound, detail: "no route \(request.method) \(Excerpt.excerpt(request.uri.path))")
        }
        return ProblemDocument(error.status, code: code(for: error.status), detail: String((error.body ?? error.status.reasonPhrase).prefix(200)))
    }
}
