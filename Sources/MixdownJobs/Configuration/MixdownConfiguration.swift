internal import Foundation

/// Every setting of the job system, read from the environment in one place and validated at start-up
/// with every problem named at once. CLI, worker and server all build their store and storage from it.
public struct MixdownConfiguration: Sendable {
    /// Where jobs live: `sqlite:PATH` (or a bare path), or `postgres://user[:password]@host[:port]/database[?sslmode=...]`.
    public var store: String
    /// Where files live: a folder path (or `file:PATH`).
    public var storage: String
    /// Seconds between polls of the store when no change signal arrives.
    public var pollSeconds: Double
    public var leaseSeconds: Double
    public var maxAttempts: Int
    /// Seconds before a failed attempt's retry; doubles with each attempt, at most a minute.
    public var retryBackoffSeconds: Double
    /// Per job type, seconds.
    public var timeouts: [JobType: Double]
    /// How long a worker asked to stop waits for its current job before handing it back.
    public var shutdownGraceSeconds: Double
    public var inputLimits: (maximumBytes: Int, maximumDurationSeconds: Double)
    /// `MIXDOWN_STORE_BUSY_SECONDS`: how long a write waits for another process's write lock.
    public var storeBusySeconds: Double = 30
    /// `MIXDOWN_NOTIFY_ATTEMPTS`: deliveries of a job's end to its `notifyUrl` before giving up.
    public var notifyAttempts = 8
    /// `MIXDOWN_ALLOW_PRIVATE_URLS=1`: network inputs may reach loopback and private addresses.
    public var allowPrivateURLs = false
    /// `MIXDOWN_SIGNING_KEY`: signs job webhooks (and, in the server, download URLs).
    public var signingKey: [UInt8] = (0..<32).map { _ in UInt8.random(in: 0...255) }

    public static let defaultTimeouts: [JobType: Double] = [.ingest: 600, .preview: 300, .save: 900, .render: 1800]

    public init(
        store: String = "sqlite:.mixdown/mixdown.sqlite",
        storage: String = ".mixdown/storage",
        pollSeconds: Double = 3,
        leaseSeconds: Double = 30,
        maxAttempts: Int = 3,
        retryBackoffSeconds: Double = 2,
        timeouts: [JobType: Double] = MixdownConfiguration.defaultTimeouts,
        shutdownGraceSeconds: Double = 20,
        inputLimits: (maximumBytes: Int, maximumDurationSeconds: Double) = (100_000_000, 1800)
    ) {
        self.store = store
        self.storage = storage
        self.pollSeconds = pollSeconds
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
        self.retryBackoffSeconds = retryBackoffSeconds
        self.timeouts = timeouts
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.inputLimits = inputLimits
    }

    /// A problem with the environment, naming the variable.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var problems: [String]
        public var description: String { "invalid configuration:\n" + problems.map { "  \($0)" }.joined(separator: "\n") }
    }

    /// Reads `MIXDOWN_*` variables (see `.env.example`); unset ones keep their defaults.
    public static func fromEnvironment(_ environment: [String: String]? = nil) throws -> MixdownConfiguration {
        let environment = environment ?? ProcessInfo.processInfo.environment
        var configuration = MixdownConfiguration()
        var problems: [String] = []
        // Every number is bounded, so the conversions to milliseconds and counts below cannot overflow.
        func number(_ name: String, _ apply: (Double) -> Void, minimum: Double = 0.001, maximum: Double = 1e9) {
            guard let text = environment[name], !text.isEmpty else { return }
            guard let value = Double(text), value >= minimum, value <= maximum else {
                problems.append("\(name)=\(text): expected a number from \(minimum) to \(maximum)")
                return
            }
            apply(value)
        }
        if let store = environment["MIXDOWN_STORE"], !store.isEmpty { configuration.store = store }
        if let storage = environment["MIXDOWN_STORAGE"], !storage.isEmpty { configuration.storage = storage }
        number("MIXDOWN_POLL_SECONDS") { configuration.pollSeconds = $0 }
        number("MIXDOWN_LEASE_SECONDS") { configuration.leaseSeconds = $0 }
        number("MIXDOWN_MAX_ATTEMPTS", { configuration.maxAttempts = Int(min($0, 1000)) }, minimum: 1)
        number("MIXDOWN_NOTIFY_ATTEMPTS", { configuration.notifyAttempts = Int(min($0, 1000)) }, minimum: 1)
        number("MIXDOWN_STORE_BUSY_SECONDS") { configuration.storeBusySeconds = min($0, 3600) }
        number("MIXDOWN_RETRY_BACKOFF_SECONDS", { configuration.retryBackoffSeconds = $0 }, minimum: 0)
        number("MIXDOWN_SHUTDOWN_GRACE_SECONDS", { configuration.shutdownGraceSeconds = $0 }, minimum: 0)
        number("MIXDOWN_MAX_DOWNLOAD_BYTES") { configuration.inputLimits.maximumBytes = Int(min($0, 1e15)) }
        number("MIXDOWN_MAX_DURATION_SECONDS") { configuration.inputLimits.maximumDurationSeconds = $0 }
        configuration.allowPrivateURLs = environment["MIXDOWN_ALLOW_PRIVATE_URLS"] == "1"
        if let key = environment["MIXDOWN_SIGNING_KEY"], !key.isEmpty {
            if key.count < 32 { problems.append("MIXDOWN_SIGNING_KEY: use at least 32 characters") }
            configuration.signingKey = Array(key.utf8)
        }
        for type in JobType.allCases {
            number("MIXDOWN_TIMEOUT_\(type.rawValue.uppercased())") { configuration.timeouts[type] = $0 }
        }
        if PostgresJobStore.Location.matches(configuration.store) {
            // Checked here so a malformed URL is named at start-up; the message never repeats the password.
            do { _ = try PostgresJobStore.Location(configuration.store) } catch { problems.append("MIXDOWN_STORE: \(error)") }
        } else if !configuration.store.hasPrefix("sqlite:") && configuration.store.contains("://") {
            problems.append("MIXDOWN_STORE=\(configuration.store): this build supports sqlite:PATH and postgres://... only")
        }
        if configuration.storage.contains("://") && !configuration.storage.hasPrefix("file://") {
            problems.append("MIXDOWN_STORAGE=\(configuration.storage): this build supports a local folder only")
        }
        if configuration.pollSeconds > configuration.leaseSeconds {
            problems.append(
                "MIXDOWN_POLL_SECONDS (\(configuration.pollSeconds)) must not exceed MIXDOWN_LEASE_SECONDS (\(configuration.leaseSeconds))"
            )
        }
        guard problems.isEmpty else { throw Problem(problems: problems) }
        return configuration
    }

    public func timeout(for type: JobType) -> Double {
        timeouts[type] ?? MixdownConfiguration.defaultTimeouts[type] ?? 600
    }
}
