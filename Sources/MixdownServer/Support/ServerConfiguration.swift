internal import Foundation
public import MixdownJobs

/// The HTTP server's settings, from the environment, validated with every problem named at once.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Bearer keys accepted on `/v1`; empty means no key is required and the server binds to loopback only.
    public var apiKeys: [String]
    /// How long a signed URL stays valid.
    public var signedURLSeconds: Int
    /// The render service's callback secret (`INTERNAL_WEBHOOK_SECRET`); nil refuses every callback.
    public var webhookSecret: String?
    public var maxUploadBytes: Int
    /// Transfers at once (`MIXDOWN_MAX_CONCURRENT_UPLOADS`: uploads, forms, planning that downloads media);
    /// an upload streamed into a bucket holds up to
    /// ``MixdownStorage/S3Settings/streamedPartsInMemory`` parts in memory while its client sends.
    public var maxConcurrentUploads: Int
    public var maxDurationSeconds: Double
    /// How long a connection may go without a complete request head: a client that connects and sends
    /// nothing or half a header, or keeps an idle keep-alive connection, is closed after it.
    public var idleTimeoutSeconds: Double
    /// How long a request body may go without delivering at least ``minimumBodyBytesPerWindow`` bytes; a body
    /// that stops, or trickles slower than that, has its connection closed.
    public var bodyTimeoutSeconds: Double
    /// The least a request body must deliver per ``bodyTimeoutSeconds`` window.
    public static let minimumBodyBytesPerWindow = 1024
    /// How long planning a request may spend when it fetches media (a `url:` or `youtube:` input, a
    /// bucket's asset): it holds a transfer slot meanwhile, so a source that trickles must not keep it.
    /// Past it the request is refused, 502 `download-failed`. Not an environment setting: the tests
    /// shorten it.
    public var planningFetchSeconds: Double = 120

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        apiKeys: [String] = [],
        signedURLSeconds: Int = 3600,
        webhookSecret: String? = nil,
        maxUploadBytes: Int = 100_000_000,
        maxConcurrentUploads: Int = 16,
        maxDurationSeconds: Double = 1800,
        idleTimeoutSeconds: Double = 60,
        bodyTimeoutSeconds: Double = 30
    ) {
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.signedURLSeconds = signedURLSeconds
        self.webhookSecret = webhookSecret
        self.maxUploadBytes = maxUploadBytes
        self.maxConcurrentUploads = maxConcurrentUploads
        self.maxDurationSeconds = maxDurationSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
    }

    /// Problems are the configuration's: one error naming every bad variable.
    public typealias Problem = MixdownConfiguration.Problem

    /// The server's part of the one configuration (read through `MixdownEnvironment`, never here).
    public init(_ settings: MixdownConfiguration) {
        self.init(
            host: settings.server.host,
            port: settings.server.port,
            apiKeys: settings.server.apiKeys,
            webhookSecret: settings.server.webhookSecret,
            maxUploadBytes: settings.server.maxUploadBytes,
            maxConcurrentUploads: settings.server.maxConcurrentUploads,
            maxDurationSeconds: settings.inputLimits.maximumDurationSeconds,
            idleTimeoutSeconds: settings.server.idleTimeoutSeconds,
            bodyTimeoutSeconds: settings.server.bodyTimeoutSeconds
        )
    }

    /// From explicit variables, through the same door and rules as every process.
    public static func fromEnvironment(_ environment: [String: String]) throws -> ServerConfiguration {
        ServerConfiguration(try MixdownConfiguration.fromEnvironment(environment, for: .server))
    }

    /// Without API keys the API must not be reachable from other machines.
    public var isLoopbackOnly: Bool { apiKeys.isEmpty }
}
