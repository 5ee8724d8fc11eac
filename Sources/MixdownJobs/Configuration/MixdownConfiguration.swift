internal import Foundation
public import MixdownExecution
public import MixdownRecipe
import MixdownStorage

/// Every setting of every process, validated at start-up with every problem named at once. Built only
/// from a ``MixdownEnvironment`` (the one door); the CLI, the worker and the server all build their
/// store, storage and tools from it through ``MixdownServices``.
public struct MixdownConfiguration: Sendable {
    public var deployment: Deployment = .local
    /// Where jobs live: `sqlite:PATH` (or a bare path), `postgres://...`, `libsql://...`, `https://...`, `http://...`.
    public var store: String
    /// The bearer token of a libSQL/Turso store (`TURSO_AUTH_TOKEN`).
    public var storeAuthToken: String?
    /// Where files live: a folder path (or `file://PATH`), or `s3://BUCKET/PREFIX`.
    public var storage: String
    /// The bucket's endpoint and credentials when ``storage`` is `s3://`.
    public var s3 = S3Access()
    /// Seconds between polls of the store when no change signal arrives.
    public var pollSeconds: Double
    public var leaseSeconds: Double
    public var maxAttempts: Int
    /// Seconds before a failed attempt's retry; doubles with each attempt, at most a minute.
    public var retryBackoffSeconds: Double
    /// Per job type, seconds.
    public var timeouts: [JobType: Double]
    /// `MIXDOWN_WORKER_CONCURRENCY`: jobs one worker process runs at once.
    public var workerConcurrency = 1
    /// `MIXDOWN_RENDER_DEVICE`: where a render recipe that names no `render.device` encodes its video.
    public var renderDevice = RenderDevice.auto
    /// `RENDER_TOKEN`: the bearer token of the render service's dispatch endpoint.
    public var renderToken: String?
    /// `MIXDOWN_RENDER_CONCURRENCY`: dispatches one render node runs at once.
    public var renderConcurrency = 1
    /// `MIXDOWN_RENDER_CALLBACK_ORIGIN`: the API a render node calls back to.
    public var renderCallbackOrigin: String?
    /// `RENDER_ENDPOINT`: the render service a worker dispatches renders to; nil: renders run on the worker.
    public var renderEndpoint: String?
    /// `MIXDOWN_RENDER_REMOTE_SECONDS`: with an endpoint, `auto` renders at least this long go remote.
    public var renderRemoteSeconds = 60.0
    /// `MIXDOWN_PUBLIC_URL`: the API as a render service reaches it (callback, signed storage URLs).
    public var publicURL: String?
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
    /// ffmpeg, ffprobe, yt-dlp and the title font.
    public var tools = MediaTools(ffmpeg: "ffmpeg", ffprobe: "ffprobe", ytdlp: "yt-dlp")
    /// The HTTP API's settings (read by `serve` and `dev`).
    public var server = ServerSettings()

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
        self.tools = MediaTools.locate(searchPath: "/usr/local/bin:/usr/bin:/bin")
    }

    /// An S3-compatible bucket's endpoint and credentials.
    public struct S3Access: Sendable, Hashable {
        /// Nil: AWS S3 for ``region``.
        public var endpoint: String?
        /// Nil: `auto` for Cloudflare R2's endpoints, else `us-east-1`.
        public var region: String?
        public var accessKeyId: String?
        public var secretAccessKey: String?
        /// Temporary credentials' session token (`S3_SESSION_TOKEN`).
        public var sessionToken: String?
        public var publicBaseURL: String?

        public init() {}

        /// The adapter's settings for `bucket` (`s3://BUCKET/PREFIX`); `standIn` takes the place of a
        /// missing key (validation of the rest, when the missing ones are named elsewhere).
        func settings(bucket: String, standIn: String = "") throws(S3ConfigurationError) -> S3Settings {
            try S3Settings(
                url: bucket,
                endpoint: endpoint,
                region: region,
                accessKeyId: accessKeyId ?? standIn,
                secretAccessKey: secretAccessKey ?? standIn,
                sessionToken: sessionToken,
                publicBaseURL: publicBaseURL
            )
        }
    }

    /// The HTTP API's settings; `MixdownServer.ServerConfiguration` is made from them.
    public struct ServerSettings: Sendable, Hashable {
        public var host = "127.0.0.1"
        public var port = 8080
        public var apiKeys: [String] = []
        public var webhookSecret: String?
        public var maxUploadBytes = 100_000_000
        public var maxConcurrentUploads = 16
        public var idleTimeoutSeconds: Double = 60
        public var bodyTimeoutSeconds: Double = 30

        public init() {}
    }

    /// A problem with the configuration, naming each variable, its value and what it is for.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var problems: [String]
        public var description: String { "invalid configuration:\n" + problems.map { "  \($0)" }.joined(separator: "\n") }
    }

    /// From explicit variables, without reading a `.env` file (tests, and callers that hold the values).
    public static func fromEnvironment(_ environment: [String: String], for readers: Setting.Readers = .all) throws -> MixdownConfiguration {
        try MixdownConfiguration(try MixdownEnvironment(environment), for: readers)
    }

    public func timeout(for type: JobType) -> Double {
        timeouts[type] ?? MixdownConfiguration.defaultTimeouts[type] ?? 600
    }
}

extension MixdownConfiguration {
    /// Validates every variable `readers` read; throws one ``Problem`` naming all that are missing or malformed.
    public init(_ environment: MixdownEnvironment, for readers: Setting.Readers) throws {
        self.init()
        var problems: [String] = []
        let production = environment.deployment == .production
        func purpose(_ name: String) -> String { Setting.byName[name]?.purpose ?? "" }
        func text(_ name: String) -> String? { environment.value(name) }
        // Every number is bounded, so the conversions to milliseconds and counts below cannot overflow.
        func number(_ name: String, minimum: Double = 0.001, maximum: Double = 1e9, _ apply: (Double) -> Void) {
            guard let text = text(name) else { return }
            guard let value = Double(text), value.isFinite, value >= minimum, value <= maximum else {
                problems.append("\(name)=\(Excerpt.excerpt(text)): expected a number from \(minimum) to \(maximum) (\(purpose(name)))")
                return
            }
            apply(value)
        }
        func required(_ name: String, when condition: Bool = true, because reason: String) -> String? {
            let value = text(name)
            if condition && value == nil { problems.append("\(name) is not set: \(reason) (\(purpose(name)))") }
            return value
        }

        deployment = environment.deployment
        // Where state lives. TURSO_DATABASE_URL is the original system's name, used when MIXDOWN_STORE is not set.
        let storeName = !environment.isSet("MIXDOWN_STORE") && environment.isSet("TURSO_DATABASE_URL") ? "TURSO_DATABASE_URL" : "MIXDOWN_STORE"
        // A render node alone keeps no jobs and no files: it reads inputs and writes outputs by URL.
        let keepsState = !readers.isDisjoint(with: [.server, .worker, .cli])
        if let store = required(storeName, when: production && keepsState, because: "DEPLOY_ENV=production needs the job store every machine shares")
        {
            self.store = store
        }
        storeAuthToken = text("TURSO_AUTH_TOKEN")
        switch StoreLocation.parse(store) {
        case .failure(let problem): problems.append("\(storeName)=\(Excerpt.excerpt(StoreLocation.redacted(store))): \(problem)")
        case .success(.libsql(let url)):
            if production && url.scheme == "https" {
                _ = required("TURSO_AUTH_TOKEN", because: "a libSQL store over TLS (Turso) takes a bearer token")
            }
        case .success(.postgres(let url)):
            // The store's own parser (sslmode, port, database); its errors never carry the password.
            do { _ = try PostgresJobStore.Location(url) } catch { problems.append("\(storeName): \(error)") }
        case .success: break
        }
        if let storage = required(
            "MIXDOWN_STORAGE",
            when: production && keepsState,
            because: "DEPLOY_ENV=production needs the storage every machine shares"
        ) {
            self.storage = storage
        }
        s3.endpoint = text("S3_ENDPOINT")
        s3.region = text("S3_REGION")
        s3.sessionToken = text("S3_SESSION_TOKEN")
        s3.publicBaseURL = text("S3_PUBLIC_BASE_URL")
        if storage.hasPrefix("s3://") {
            let reason = "MIXDOWN_STORAGE is an S3 bucket"
            s3.accessKeyId = required("S3_ACCESS_KEY_ID", because: reason)
            s3.secretAccessKey = required("S3_SECRET_ACCESS_KEY", because: reason)
            // The adapter's own checks (bucket name, endpoint, region, prefix), with stand-ins for missing keys,
            // which are already named above.
            do {
                _ = try s3.settings(bucket: storage, standIn: "unset")
            } catch {
                problems += error.problems.map { "MIXDOWN_STORAGE=\(Excerpt.excerpt(storage)): \($0)" }
            }
        } else if storage.contains("://") && !storage.hasPrefix("file://") {
            problems.append("MIXDOWN_STORAGE=\(Excerpt.excerpt(storage)): expected a folder or s3://BUCKET/PREFIX")
        }

        // Jobs and workers.
        number("MIXDOWN_POLL_SECONDS") { pollSeconds = $0 }
        number("MIXDOWN_LEASE_SECONDS") { leaseSeconds = $0 }
        number("MIXDOWN_MAX_ATTEMPTS", minimum: 1, maximum: 1000) { maxAttempts = Int($0) }
        number("MIXDOWN_NOTIFY_ATTEMPTS", minimum: 1, maximum: 1000) { notifyAttempts = Int($0) }
        number("MIXDOWN_STORE_BUSY_SECONDS", maximum: 3600) { storeBusySeconds = $0 }
        number("MIXDOWN_RETRY_BACKOFF_SECONDS", minimum: 0) { retryBackoffSeconds = $0 }
        number("MIXDOWN_WORKER_CONCURRENCY", minimum: 1, maximum: 64) { workerConcurrency = Int($0) }
        number("MIXDOWN_SHUTDOWN_GRACE_SECONDS", minimum: 0) { shutdownGraceSeconds = $0 }
        if let device = text("MIXDOWN_RENDER_DEVICE") {
            if let parsed = RenderDevice(rawValue: device.lowercased()) {
                renderDevice = parsed
            } else {
                problems.append(
                    "MIXDOWN_RENDER_DEVICE=\(Excerpt.excerpt(device)): expected \(RenderDevice.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        for type in JobType.allCases {
            number("MIXDOWN_TIMEOUT_\(type.rawValue.uppercased())") { timeouts[type] = $0 }
        }
        if pollSeconds > leaseSeconds {
            problems.append("MIXDOWN_POLL_SECONDS (\(pollSeconds)) must not exceed MIXDOWN_LEASE_SECONDS (\(leaseSeconds))")
        }

        // Inputs. One duration cap, for downloads and uploads alike.
        number("MIXDOWN_MAX_DOWNLOAD_BYTES", minimum: 1, maximum: 1e15) { inputLimits.maximumBytes = Int($0) }
        number("MIXDOWN_MAX_DURATION_SECONDS", maximum: 1e7) { inputLimits.maximumDurationSeconds = $0 }
        switch text("MIXDOWN_ALLOW_PRIVATE_URLS") {
        case nil, "0": allowPrivateURLs = false
        case "1": allowPrivateURLs = true
        case let other?: problems.append("MIXDOWN_ALLOW_PRIVATE_URLS=\(Excerpt.excerpt(other)): expected 0 or 1")
        }
        let signs = production && !readers.intersection([.server, .worker]).isEmpty
        if let key = required("MIXDOWN_SIGNING_KEY", when: signs, because: "every API and worker process must sign with the same key") {
            if key.count < 32 { problems.append("MIXDOWN_SIGNING_KEY: use at least 32 characters") }
            signingKey = Array(key.utf8)
        }

        // Tools.
        let font =
            text("MIXDOWN_FONT")
            ?? {
                let candidate = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
                return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
            }()
        tools = MediaTools.locate(
            ffmpeg: text("MIXDOWN_FFMPEG"),
            ffprobe: text("MIXDOWN_FFPROBE"),
            ytdlp: text("MIXDOWN_YTDLP"),
            searchPath: text("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
            fontFile: font
        )

        // The HTTP API.
        if let host = text("MIXDOWN_HOST") { server.host = host }
        if let port = text("MIXDOWN_PORT") {
            if let value = Int(port), (0...65535).contains(value) {
                server.port = value
            } else {
                problems.append("MIXDOWN_PORT=\(Excerpt.excerpt(port)): expected 0...65535")
            }
        }
        let serves = readers.contains(.server)
        if let keys = required("MIXDOWN_API_KEYS", when: production && serves, because: "DEPLOY_ENV=production never serves without keys") {
            server.apiKeys = keys.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if server.apiKeys.contains(where: { $0.count < 16 }) { problems.append("MIXDOWN_API_KEYS: every key needs at least 16 characters") }
        }
        if let secret = text("INTERNAL_WEBHOOK_SECRET") {
            if secret.count < 16 { problems.append("INTERNAL_WEBHOOK_SECRET: use at least 16 characters") }
            server.webhookSecret = secret
        }
        let rendersRemotely = readers.contains(.renderNode)
        if let token = required("RENDER_TOKEN", when: rendersRemotely, because: "a render node never takes dispatches without a token") {
            if token.count < 16 { problems.append("RENDER_TOKEN: use at least 16 characters") }
            renderToken = token
        }
        if rendersRemotely && server.webhookSecret == nil {
            problems.append("INTERNAL_WEBHOOK_SECRET is not set: a render node's callbacks need it (\(purpose("INTERNAL_WEBHOOK_SECRET")))")
        }
        number("MIXDOWN_RENDER_CONCURRENCY", minimum: 1, maximum: 64) { renderConcurrency = Int($0) }
        if let origin = required(
            "MIXDOWN_RENDER_CALLBACK_ORIGIN",
            when: rendersRemotely,
            because: "a render node's callbacks carry the webhook secret"
        ) {
            if let url = URL(string: origin), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false {
                renderCallbackOrigin = origin
            } else {
                problems.append("MIXDOWN_RENDER_CALLBACK_ORIGIN=\(Excerpt.excerpt(origin)): expected http(s)://HOST[:PORT]")
            }
        }
        if let endpoint = text("RENDER_ENDPOINT") {
            if Self.isHTTPOrigin(endpoint) {
                renderEndpoint = String(endpoint.trimmingSuffix("/"))
            } else {
                problems.append("RENDER_ENDPOINT=\(Excerpt.excerpt(endpoint)): expected http(s)://HOST[:PORT]")
            }
            if readers.contains(.worker) && renderToken == nil {
                problems.append("RENDER_TOKEN is not set: RENDER_ENDPOINT is set, and dispatches need it (\(purpose("RENDER_TOKEN")))")
            }
        }
        number("MIXDOWN_RENDER_REMOTE_SECONDS", minimum: 0, maximum: 1e7) { renderRemoteSeconds = $0 }
        if let url = required("MIXDOWN_PUBLIC_URL", when: renderEndpoint != nil && readers.contains(.worker), because: "RENDER_ENDPOINT is set") {
            if Self.isHTTPOrigin(url) {
                publicURL = String(url.trimmingSuffix("/"))
            } else {
                problems.append("MIXDOWN_PUBLIC_URL=\(Excerpt.excerpt(url)): expected http(s)://HOST[:PORT][/PATH]")
            }
        }
        // At most 1 TB: products of the cap (a request's parts) must stay far from overflow.
        number("MIXDOWN_MAX_UPLOAD_BYTES", minimum: 1, maximum: 1e12) { server.maxUploadBytes = Int($0) }
        number("MIXDOWN_MAX_CONCURRENT_UPLOADS", minimum: 1, maximum: 10_000) { server.maxConcurrentUploads = Int($0) }
        number("MIXDOWN_IDLE_TIMEOUT_SECONDS") { server.idleTimeoutSeconds = $0 }
        number("MIXDOWN_BODY_TIMEOUT_SECONDS") { server.bodyTimeoutSeconds = $0 }
        guard problems.isEmpty else { throw Problem(problems: problems) }
    }
}

extension MixdownConfiguration {
    /// An http(s) URL with a host and no query or fragment.
    static func isHTTPOrigin(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false,
            url.query == nil, url.fragment == nil
        else { return false }
        return true
    }
}

extension String {
    func trimmingSuffix(_ suffix: Character) -> Substring {
        var text = Substring(self)
        while text.last == suffix { text = text.dropLast() }
        return text
    }
}
