internal import Foundation
public import Hummingbird
internal import Logging
public import MixdownJobs

/// The HTTP API over the job system: the same store, storage and submitter the CLI and the worker use.
public struct MixdownAPI: Sendable {
    public let services: MixdownServices
    public let configuration: ServerConfiguration
    let resources: ResourceBuilder

    /// Signs download URLs; exposed so tests can make expired ones.
    public var signer: URLSigner { resources.signer }

    public init(services: MixdownServices, configuration: ServerConfiguration) {
        self.services = services
        self.configuration = configuration
        // One signing key for every process (MIXDOWN_SIGNING_KEY), read with the rest of the job settings.
        resources = ResourceBuilder(signer: URLSigner(key: services.configuration.signingKey), lifetime: configuration.signedURLSeconds)
        ServerMetrics.bootstrap
    }

    /// The router with every route of ``APIRoute/all``.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: APIKeyMiddleware(keys: configuration.apiKeys))
        for route in APIRoute.all {
            let handler = self.handler(for: route)
            router.on(RouterPath(route.routerPath), method: HTTPRequest.Method(route.method)!) { request, context in
                try await handler(request, context)
            }
        }
        return router
    }

    typealias Handler = @Sendable (Request, BasicRequestContext) async throws -> Response

    private func handler(for route: APIRoute) -> Handler {
        switch (route.method, route.path) {
        case ("GET", "/healthz"): return { _, _ in try JSONResponse.make(["status": "ok"]) }
        case ("GET", "/readyz"): return { _, _ in try await ready() }
        case ("GET", "/metrics"): return { _, _ in try await metricsText() }
        case ("POST", "/v1/jobs"): return { request, context in try await submit(request, context, feature: nil) }
        case ("GET", "/v1/jobs"): return { request, _ in try await list(request) }
        case ("GET", "/v1/jobs/{jobId}"): return { _, context in try await show(context) }
        case ("DELETE", "/v1/jobs/{jobId}"), ("POST", "/v1/jobs/{jobId}/cancel"): return { _, context in try await cancel(context) }
        case ("GET", "/v1/jobs/{jobId}/events"): return { _, context in try await events(context) }
        case ("POST", "/v1/uploads"): return { request, context in try await upload(request, context) }
        case ("GET", "/v1/assets/{assetId}"): return { _, context in try await assetMetadata(context) }
        case ("GET", "/v1/assets/{assetId}/content"): return { request, context in try await assetContent(request, context) }
        case ("POST", "/v1/recipes/validate"): return { request, context in try await validate(request, context) }
        case ("POST", "/v1/recipes/plan"): return { request, context in try await plan(request, context) }
        case ("POST", "/v1/webhooks/render"): return { request, context in try await renderWebhook(request, context) }
        default:
            // The per-feature aliases: thin wrappers over the same handlers and the same store.
            let feature = APIRoute.features.first { route.path.hasPrefix("/v1/\($0)") } ?? ""
            switch route.method {
            case "POST": return { request, context in try await submit(request, context, feature: feature) }
            case "DELETE": return { _, context in try await cancel(context) }
            default: return { _, context in try await show(context) }
            }
        }
    }

    /// Builds the application; without API keys it binds to loopback whatever host was asked for.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var host = configuration.host
        if configuration.isLoopbackOnly && host != "127.0.0.1" && host != "::1" && host != "localhost" {
            services.logger.warning("no MIXDOWN_API_KEYS configured: binding to 127.0.0.1 instead of \(host)")
            host = "127.0.0.1"
        }
        if configuration.isLoopbackOnly {
            services.logger.notice("no MIXDOWN_API_KEYS configured: the API is open to loopback clients only")
        }
        return Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "mixdown"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: services.logger
        )
    }
}

extension MixdownServices {
    var logger: Logger { Logger(label: "mixdown.server") }
}
