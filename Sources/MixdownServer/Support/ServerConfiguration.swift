internal import Foundation

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
    public var maxDurationSeconds: Double
    /// How long a connection may go without a complete request head: a client that connects and sends
    /// nothing or half a header, or keeps an idle keep-alive connection, is closed after it.
    public var idleTimeoutSeconds: Double
    /// How long a request body may go without delivering at least ``minimumBodyBytesPerWindow`` bytes; a body
    /// that stops, or trickles slower than that, has its connection closed.
    public var bodyTimeoutSeconds: Double
    /// The least a request body must deliver per ``bodyTimeoutSeconds`` window.
    public static let minimumBodyBytesPerWindow = 1024

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        apiKeys: [String] = [],
        signedURLSeconds: Int = 3600,
        webhookSecret: String? = nil,
        maxUploadBytes: Int = 100_000_000,
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
        self.maxDurationSeconds = maxDurationSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var problems: [String]
        public var description: String { "invalid server configuration:\n" + problems.map { "  \($0)" }.joined(separator: "\n") }
    }

    /// `MIXDOWN_HOST`, `MIXDOWN_PORT`, `MIXDOWN_API_KEYS`, `INTERNAL_WEBHOOK_SECRET`,
    /// `MIXDOWN_MAX_UPLOAD_BYTES`, `MIXDOWN_MAX_DURATION_SECONDS`, `MIXDOWN_IDLE_TIMEOUT_SECONDS`,
    /// `MIXDOWN_BODY_TIMEOUT_SECONDS`.
    public static func fromEnvironment(_ environment: [String: String]? = nil) throws -> ServerConfiguration {
        let environment = environment ?? ProcessInfo.processInfo.environment
        var configuration = ServerConfiguration()
        var problems: [String] = []
        if let host = environment["MIXDOWN_HOST"], !host.isEmpty { configuration.host = host }
        if let text = environment["MIXDOWN_PORT"], !text.isEmpty {
            if let port = Int(text), (0...65535).contains(port) {
                configuration.port = port
            } else {
                problems.append("MIXDOWN_PORT=\(text): expected 0...65535")
            }
        }
        if let keys = environment["MIXDOWN_API_KEYS"] {
            configuration.apiKeys = keys.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if configuration.apiKeys.contains(where: { $0.count < 16 }) {
                problems.append("MIXDOWN_API_KEYS: every key needs at least 16 characters")
            }
        }
        if let secret = environment["INTERNAL_WEBHOOK_SECRET"], !secret.isEmpty {
            if secret.count < 16 { problems.append("INTERNAL_WEBHOOK_SECRET: use at least 16 characters") }
            configuration.webhookSecret = secret
        }
        if let text = environment["MIXDOWN_MAX_UPLOAD_BYTES"], !text.isEmpty {
            // At most 1 TB: products of the cap (a request's parts) must stay far from overflow.
            if let bytes = Int(text), bytes > 0, bytes <= 1_000_000_000_000 {
                configuration.maxUploadBytes = bytes
            } else {
                problems.append("MIXDOWN_MAX_UPLOAD_BYTES=\(text): expected a number of bytes from 1 to 1,000,000,000,000")
            }
        }
        if let text = environment["MIXDOWN_MAX_DURATION_SECONDS"], !text.isEmpty {
            if let seconds = Double(text), seconds > 0, seconds <= 1e7 {
                configuration.maxDurationSeconds = seconds
            } else {
                problems.append("MIXDOWN_MAX_DURATION_SECONDS=\(text): expected a number of seconds from 0 to 10,000,000")
            }
        }
        for (name, keyPath) in [
            ("MIXDOWN_IDLE_TIMEOUT_SECONDS", \ServerConfiguration.idleTimeoutSeconds),
            ("MIXDOWN_BODY_TIMEOUT_SECONDS", \ServerConfiguration.bodyTimeoutSeconds),
        ] {
            guard let text = environment[name], !text.isEmpty else { continue }
            if let seconds = Double(text), seconds > 0, seconds.isFinite {
                configuration[keyPath: keyPath] = seconds
            } else {
                problems.append("\(name)=\(text): expected a positive number of seconds")
            }
        }
        guard problems.isEmpty else { throw Problem(problems: problems) }
        return configuration
    }

    /// Without API keys the API must not be reachable from other machines.
    public var isLoopbackOnly: Bool { apiKeys.isEmpty }
}
