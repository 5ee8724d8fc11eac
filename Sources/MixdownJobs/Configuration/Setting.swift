internal import Foundation

/// One environment variable Mixdown reads: the key table behind ``MixdownEnvironment``, the only door
/// through which any process reads its configuration. `.env.example` lists exactly these names (a test
/// compares the two), and `mixdown config` prints them with their values and where each came from.
public struct Setting: Sendable, Hashable {
    /// Which processes read a variable.
    public struct Readers: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// `mixdown serve` (and `dev`).
        public static let server = Readers(rawValue: 1)
        /// `mixdown worker` (and `dev`'s embedded worker).
        public static let worker = Readers(rawValue: 2)
        /// The other commands: `run`, `plan`, `batch`, `submit`, `jobs`.
        public static let cli = Readers(rawValue: 4)
        /// `mixdown render-node`: the render service side of the dispatch protocol.
        public static let renderNode = Readers(rawValue: 8)
        public static let all: Readers = [.server, .worker, .cli]

        /// `server`, `worker`, `render-node`, `cli` or `all`, as `--for` takes them; nil for another word.
        public init?(named name: String) {
            switch name {
            case "server": self = .server
            case "worker": self = .worker
            case "render-node": self = .renderNode
            case "cli": self = .cli
            case "all": self = .all
            default: return nil
            }
        }

        public var names: String {
            [(Readers.server, "server"), (.worker, "worker"), (.cli, "cli"), (.renderNode, "render-node")].filter { contains($0.0) }.map(\.1)
                .joined(separator: ",")
        }
    }

    public let name: String
    /// What it is for, shown by `mixdown config` and in start-up errors.
    public let purpose: String
    public let readers: Readers
    /// Redacted wherever values are printed or logged.
    public let isSecret: Bool
    /// The value with `DEPLOY_ENV=local` when unset; nil means "not set".
    public let localDefault: String?
    /// The value with `DEPLOY_ENV=production` when unset; nil means "not set".
    public let productionDefault: String?

    init(
        _ name: String,
        _ purpose: String,
        readers: Readers = .all,
        secret: Bool = false,
        local: String? = nil,
        production: String?? = .none
    ) {
        self.name = name
        self.purpose = purpose
        self.readers = readers
        self.isSecret = secret
        self.localDefault = local
        // Unless said otherwise, production starts from the same default as local.
        self.productionDefault = production ?? local
    }

    /// The processes that read it, e.g. `server,worker`.
    public var readersDescription: String { readers.names }

    func defaultValue(_ deployment: Deployment) -> String? {
        deployment == .production ? productionDefault : localDefault
    }
}

/// `DEPLOY_ENV`: which defaults apply. Local needs no credentials at all; production refuses to start
/// without the shared store, the bucket and the secrets that several machines must agree on.
public enum Deployment: String, Sendable, CaseIterable {
    case local
    case production
}

extension Setting {
    /// Every variable any Mixdown process reads, in the order `.env.example` lists them.
    public static let all: [Setting] = [
        Setting("DEPLOY_ENV", "local (embedded defaults, no credentials) or production (shared store and bucket required)", local: "local"),
        Setting("MIXDOWN_ENV_FILE", "a .env file to read before the defaults (process environment wins)", local: ".env"),
        // Where state lives.
        Setting(
            "MIXDOWN_STORE",
            "the job store shared by every process: sqlite:PATH, postgres://USER:PASSWORD@HOST:PORT/DB, libsql://HOST, https://HOST or http://HOST:PORT (sqld)",
            local: "sqlite:.mixdown/mixdown.sqlite",
            production: .some(nil)
        ),
        Setting("TURSO_DATABASE_URL", "the original system's name for a libSQL MIXDOWN_STORE (used when MIXDOWN_STORE is unset)"),
        Setting("TURSO_AUTH_TOKEN", "bearer token of a libSQL/Turso store", secret: true),
        Setting(
            "MIXDOWN_STORAGE",
            "where uploads and outputs are kept: a folder, or s3://BUCKET/PREFIX for an S3-compatible bucket",
            local: ".mixdown/storage",
            production: .some(nil)
        ),
        Setting("S3_ENDPOINT", "the bucket's endpoint URL (R2: https://ACCOUNT.r2.cloudflarestorage.com); unset means AWS S3"),
        Setting("S3_REGION", "the bucket's region (default: auto for R2 endpoints, else us-east-1)"),
        Setting("S3_ACCESS_KEY_ID", "access key of the bucket's credentials"),
        Setting("S3_SECRET_ACCESS_KEY", "secret key of the bucket's credentials", secret: true),
        Setting("S3_SESSION_TOKEN", "session token of temporary bucket credentials", secret: true),
        Setting("S3_PUBLIC_BASE_URL", "a public or CDN base URL for downloads, instead of presigned bucket URLs"),
        // Worker.
        Setting("MIXDOWN_POLL_SECONDS", "fallback poll of the store when no change signal arrives", readers: [.worker, .server], local: "3"),
        Setting("MIXDOWN_LEASE_SECONDS", "a running job's lease, renewed every second", readers: [.worker, .server], local: "30"),
        Setting("MIXDOWN_MAX_ATTEMPTS", "attempts before a job whose worker keeps dying fails", local: "3"),
        Setting("MIXDOWN_RETRY_BACKOFF_SECONDS", "first retry delay, doubling, at most 60 s", readers: [.worker, .server], local: "2"),
        Setting("MIXDOWN_WORKER_CONCURRENCY", "jobs one worker process runs at once (1 to 64)", readers: .worker, local: "1"),
        Setting(
            "MIXDOWN_RENDER_DEVICE",
            "where renders that name no render.device encode video: auto, cpu or gpu",
            readers: [.server, .worker, .cli],
            local: "auto"
        ),
        Setting("MIXDOWN_SHUTDOWN_GRACE_SECONDS", "on SIGTERM, time to finish the current job before handing it back", readers: .worker, local: "20"),
        Setting("MIXDOWN_STORE_BUSY_SECONDS", "how long a SQLite write waits for another process's write lock", local: "30"),
        Setting("MIXDOWN_NOTIFY_ATTEMPTS", "deliveries of a job's end to its notifyUrl before giving up", readers: .worker, local: "8"),
        Setting("MIXDOWN_TIMEOUT_INGEST", "seconds an ingest job may run", local: "600"),
        Setting("MIXDOWN_TIMEOUT_PREVIEW", "seconds a preview job may run", local: "300"),
        Setting("MIXDOWN_TIMEOUT_SAVE", "seconds a save job may run", local: "900"),
        Setting("MIXDOWN_TIMEOUT_RENDER", "seconds a render job may run", local: "1800"),
        // Inputs.
        Setting("MIXDOWN_MAX_DOWNLOAD_BYTES", "largest url/youtube input downloaded", local: "100000000"),
        Setting("MIXDOWN_MAX_DURATION_SECONDS", "longest input (download or upload) accepted", local: "1800"),
        Setting("MIXDOWN_ALLOW_PRIVATE_URLS", "1 lets url and youtube inputs reach loopback and private addresses", local: "0"),
        Setting("MIXDOWN_SIGNING_KEY", "signs download URLs and job webhooks (32+ characters; shared by every API and worker process)", secret: true),
        // Tools.
        Setting("MIXDOWN_FFMPEG", "the ffmpeg program (default: found on PATH)"),
        Setting("MIXDOWN_FFPROBE", "the ffprobe program (default: found on PATH)"),
        Setting("MIXDOWN_YTDLP", "the yt-dlp program (default: found on PATH)"),
        Setting("MIXDOWN_FONT", "font file of the title operation (default: DejaVu Sans when installed)"),
        Setting("PATH", "where ffmpeg, ffprobe and yt-dlp are looked for when not named above", local: "/usr/local/bin:/usr/bin:/bin"),
        // HTTP API.
        Setting("MIXDOWN_HOST", "address the API listens on", readers: .server, local: "127.0.0.1", production: "0.0.0.0"),
        Setting("MIXDOWN_PORT", "port the API listens on (0: any free one)", readers: .server, local: "8080"),
        Setting(
            "MIXDOWN_API_KEYS",
            "bearer keys for /v1, comma-separated, 16+ characters each; without any the API binds to loopback only",
            readers: .server,
            secret: true,
            production: .some(nil)
        ),
        Setting(
            "INTERNAL_WEBHOOK_SECRET",
            "secret the remote render service sends back on its webhook (16+ characters)",
            readers: [.server, .renderNode],
            secret: true
        ),
        Setting("RENDER_TOKEN", "bearer token a render node requires of dispatches (16+ characters)", readers: [.worker, .renderNode], secret: true),
        Setting(
            "MIXDOWN_RENDER_CALLBACK_ORIGIN",
            "the API (scheme://host[:port]) a render node calls back to; dispatches naming another are refused",
            readers: .renderNode
        ),
        Setting("MIXDOWN_RENDER_CONCURRENCY", "dispatches one render node runs at once; more get 429 (1 to 64)", readers: .renderNode, local: "1"),
        Setting(
            "RENDER_ENDPOINT",
            "the render service (http(s)://host[:port]) a worker dispatches renders to (Docs/render-dispatch.md); unset: every render runs on the worker",
            readers: .worker
        ),
        Setting(
            "MIXDOWN_RENDER_REMOTE_SECONDS",
            "with RENDER_ENDPOINT, renders of at least this many seconds whose device is auto go to the render service (gpu ones always do)",
            readers: .worker,
            local: "60"
        ),
        Setting(
            "MIXDOWN_PUBLIC_URL",
            "the API's URL as a render service reaches it: its callback, and signed storage URLs on local storage (required with RENDER_ENDPOINT)",
            readers: .worker
        ),
        Setting("MIXDOWN_MAX_UPLOAD_BYTES", "largest uploaded file", readers: .server, local: "100000000"),
        Setting(
            "MIXDOWN_MAX_CONCURRENT_UPLOADS",
            "transfers one API process runs at once (uploads, forms, planning that downloads media); more get 503 (an upload into a bucket holds up to 3 parts in memory)",
            readers: .server,
            local: "16"
        ),
        Setting("MIXDOWN_IDLE_TIMEOUT_SECONDS", "closes connections that send no complete request head in this time", readers: .server, local: "60"),
        Setting("MIXDOWN_BODY_TIMEOUT_SECONDS", "closes request bodies that bring under 1 KiB in a window this long", readers: .server, local: "30"),
        Setting("CONFIG_ACCESS_LOG_FILE", "swift-configuration logs every configuration read to this file (for debugging)"),
    ]

    /// The table by name; the names are unique (a test checks).
    static let byName: [String: Setting] = all.reduce(into: [:]) { table, setting in
        if table[setting.name] == nil { table[setting.name] = setting }
    }
}

extension Setting {
    /// The settings reference, one row a variable, generated from ``all`` for `Docs/settings.md`
    /// (`mixdown config --markdown`; a test keeps the committed copy equal to it).
    public static var markdownReference: String {
        func cell(_ text: String?) -> String {
            guard let text else { return "unset" }
            return text.isEmpty ? "(empty)" : "`\(text.replacingOccurrences(of: "|", with: "\\|"))`"
        }
        var lines = ["| variable | read by | local default | production default | what it is for |", "| --- | --- | --- | --- | --- |"]
        for setting in all {
            let purpose = setting.purpose.replacingOccurrences(of: "|", with: "\\|") + (setting.isSecret ? " **Secret**: never printed." : "")
            lines.append(
                "| `\(setting.name)` | \(setting.readersDescription) | \(cell(setting.localDefault)) | \(cell(setting.productionDefault)) | \(purpose) |"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
