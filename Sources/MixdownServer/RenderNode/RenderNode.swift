internal import AsyncHTTPClient
internal import Foundation
public import Hummingbird
public import Logging
internal import MixdownJobs
internal import MixdownRecipe

/// The render service side of the dispatch protocol (Docs/render-dispatch.md): `mixdown render-node`.
///
/// `POST /v1/dispatch` takes a render and answers at once (202); the render runs in the background and
/// ends with a callback. `DELETE /v1/dispatch/{jobId}` stops one. `GET /healthz` says it is up.
public struct RenderNode: Sendable {
    public let configuration: RenderNodeConfiguration
    let registry: DispatchRegistry
    let logger: Logger

    public init(configuration: RenderNodeConfiguration, logger: Logger = Logger(label: "mixdown.render-node")) {
        self.configuration = configuration
        registry = DispatchRegistry(capacity: configuration.concurrency)
        self.logger = logger
    }

    /// Uploads and callbacks never follow a redirect: a callback carries the webhook secret, and a 3xx
    /// could send it, or an output's bytes, to another host. One for the process, so it is never shut down.
    static let httpClient = GuardedHTTPClient.make(connectSeconds: 10, readSeconds: 120)

    /// `scheme://host:port`, lowercased, with the scheme's default port written out; nil for no URL.
    static func origin(of text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased(),
            !host.isEmpty
        else { return nil }
        return "\(scheme)://\(host):\(components.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// Shuts down gracefully: refuses new dispatches (429), stops the running ones and waits up to `grace`
    /// for their callbacks (`failed`, `cancelled`), so a worker learns at once that its render will not come.
    public func drain(grace: Duration) async {
        await registry.close()
        let registry = registry
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await registry.waitUntilIdle() }
            group.addTask { try? await Task.sleep(for: grace) }
            await group.next()
            group.cancelAll()
        }
    }

    /// How many dispatches run now.
    public var running: Int { get async { await registry.count } }

    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ProblemMiddleware())
        router.get("healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.post("v1/dispatch") { request, context in try await dispatch(request, context) }
        router.delete("v1/dispatch/:jobId") { request, context in try await stop(request, context) }
        return Application(
            router: router,
            // As the API's: connections that send nothing, or a body slower than a trickle, are closed.
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        RequestBodyTimeoutHandler(timeout: .seconds(30), minimumBytes: ServerConfiguration.minimumBodyBytesPerWindow)
                    ],
                    idleTimeout: .seconds(60)
                )
            ),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "mixdown-render-node"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    private func authorize(_ request: Request) throws {
        guard let token = APIKeyCheck.bearerToken(request), ConstantTime.equals(token, configuration.token) else {
            throw ProblemDocument(.unauthorized, code: .unauthorized, detail: "the render token is missing or wrong")
        }
    }

    private func dispatch(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        let body = try await Submission.collect(request.body, limit: configuration.maximumDocumentBytes)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let document: DispatchDocument
        do {
            document = try decoder.decode(DispatchDocument.self, from: Data(body))
        } catch {
            throw ProblemDocument(.badRequest, code: .badJson, detail: "not a dispatch document: \(Excerpt.excerpt("\(error)"))")
        }
        do {
            try document.validate()
            guard Self.origin(of: document.callbackUrl) == Self.origin(of: configuration.callbackOrigin) else {
                // The callback carries the webhook secret: it goes to the configured API only.
                throw MixdownError(.badJson, "this render node calls back to \(configuration.callbackOrigin) only", pointer: "/callbackUrl")
            }
            _ = try DispatchRun.recipe(of: document)
        } catch let error as MixdownError {
            throw ProblemDocument(.unprocessableContent, error)
        } catch let error as RecipeError {
            throw ProblemDocument(.unprocessableContent, error.error)
        }
        let run = DispatchRun(document: document, configuration: configuration, httpClient: Self.httpClient, logger: logger)
        let admission = await registry.start(
            document.jobId,
            dispatchId: document.dispatchId,
            render: { await run.render() },
            deliver: { await run.deliver($0) }
        )
        switch admission {
        case .started:
            logger.info("dispatch \(document.jobId) started")
            return try JSONResponse.make(["jobId": document.jobId, "status": "accepted"], status: .accepted)
        case .running:
            // A repeat whose first answer was lost: the dispatch is taken, once.
            return try JSONResponse.make(["jobId": document.jobId, "status": "accepted"], status: .accepted)
        case .duplicate:
            throw ProblemDocument(.conflict, code: .busy, detail: "another dispatch of \(document.jobId) still runs here")
        case .busy:
            let problem = ProblemDocument(
                .tooManyRequests,
                code: .busy,
                detail: "this render node already runs \(registry.capacity) dispatch(es); try again later"
            )
            var response = try problem.response(from: request, context: context)
            response.headers[.retryAfter] = "5"
            return response
        }
    }

    private func stop(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        let jobId = context.parameters.get("jobId") ?? ""
        // `?dispatchId=` stops that dispatch only, never a later one of the same job.
        let dispatchId: String? = request.uri.queryParameters.get("dispatchId").map { String($0) }
        guard await registry.cancel(jobId, dispatchId: dispatchId) else {
            throw ProblemDocument.notFound("no dispatch of \(Excerpt.excerpt(jobId)) runs here")
        }
        return Response(status: .noContent)
    }
}
