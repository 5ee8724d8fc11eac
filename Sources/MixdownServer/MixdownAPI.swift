internal import Foundation
public import Hummingbird
internal import HummingbirdCore
internal import Logging
public import MixdownJobs
internal import NIOCore

/// The HTTP API over the job system: the same store, storage and submitter the CLI and the worker use.
public struct MixdownAPI: Sendable {
    public let services: MixdownServices
    public let configuration: ServerConfiguration
    let resources: ResourceBuilder
    /// Transfers under way now (uploads, forms, planning that downloads media), against
    /// ``ServerConfiguration/maxConcurrentUploads``.
    let uploadSlots: UploadSlots
    /// The web studio's files, read once.
    let studio: StudioFiles

    /// Signs download URLs; exposed so tests can make expired ones.
    public var signer: URLSigner { resources.signer }

    public init(services: MixdownServices, configuration: ServerConfiguration) {
        self.services = services
        self.configuration = configuration
        uploadSlots = UploadSlots(limit: configuration.maxConcurrentUploads)
        // One signing key for every process (MIXDOWN_SIGNING_KEY), read with the rest of the job settings.
        resources = ResourceBuilder(
            signer: URLSigner(key: services.configuration.signingKey),
            lifetime: configuration.signedURLSeconds,
            storage: services.storage
        )
        studio = StudioFiles.load(storage: services.storage)
        ServerMetrics.bootstrap
    }

    /// The router: system routes at the root, the API under `/v1` in two groups, one behind the API key and
    /// one for the routes that carry their own authentication. Each concern's controller adds its routes;
    /// ``routes`` reads the list back from the router for the OpenAPI contract test. Every GET route also
    /// answers HEAD with the same headers and no body.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        SystemController(api: self).addRoutes(to: router)
        StudioController(studio: studio).addRoutes(to: router)
        let keyed = router.group("v1").add(middleware: APIKeyMiddleware(keys: configuration.apiKeys))
        let selfAuthenticated = router.group("v1")
        SystemController(api: self).addKeyedRoutes(to: keyed)
        JobsController(api: self).addRoutes(to: keyed)
        BatchesController(api: self).addRoutes(to: keyed)
        UploadsController(api: self).addRoutes(to: keyed)
        AssetsController(api: self).addRoutes(keyed: keyed, signed: selfAuthenticated)
        RecipesController(api: self).addRoutes(to: keyed)
        WebhooksController(api: self).addRoutes(to: selfAuthenticated)
        StorageController(api: self).addRoutes(to: selfAuthenticated)
        return router
    }

    /// Every route the router serves, as OpenAPI paths, read back from the router itself (the HEAD routes
    /// it answers for every GET are left out, as OpenAPI leaves them implicit).
    public var routes: [APIRoute] {
        router().routes.filter { $0.method != .head }.map { APIRoute(method: $0.method.rawValue, path: $0.path.description) }
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
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        RequestBodyTimeoutHandler(
                            timeout: .fromSeconds(configuration.bodyTimeoutSeconds),
                            minimumBytes: ServerConfiguration.minimumBodyBytesPerWindow
                        )
                    ],
                    idleTimeout: .fromSeconds(configuration.idleTimeoutSeconds)
                )
            ),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "mixdown"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: services.logger
        )
    }
}

extension MixdownServices {
    var logger: Logger { Logger(label: "mixdown.server") }
}

extension TimeAmount {
    /// Whole nanoseconds of a positive number of seconds (configuration values are checked at start-up).
    fileprivate static func fromSeconds(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
    }
}
