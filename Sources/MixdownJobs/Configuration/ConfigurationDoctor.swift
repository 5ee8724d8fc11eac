internal import AsyncHTTPClient
internal import Foundation
import MixdownExecution
import MixdownStorage
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1

/// One finding of `mixdown doctor`: what was checked, how it went, and in words what was found or how to
/// fix it.
public struct DoctorCheck: Sendable, Hashable {
    public enum Level: String, Sendable, Hashable {
        case ok, warning, failure
    }

    public var name: String
    public var level: Level
    public var detail: String

    public init(_ name: String, _ level: Level, _ detail: String) {
        self.name = name
        self.level = level
        self.detail = detail
    }
}

/// Checks a configuration end to end, as the processes that would run with it see it: the tools and
/// fonts, the job store (reachable, migrated, writable), the storage (writable; a bucket's presigned URLs
/// fetched back), the render service (answers, takes the token), the API's public URL, and whether the
/// secrets are strong enough. Every check runs, whatever failed before it, each bounded in time.
public struct ConfigurationDoctor: Sendable {
    public let configuration: MixdownConfiguration
    /// Which variables were set, and whether this is a production deployment.
    public let environment: MixdownEnvironment
    /// The processes the configuration is for: what one of them does not read, it does not need.
    public let readers: Setting.Readers

    public init(configuration: MixdownConfiguration, environment: MixdownEnvironment, readers: Setting.Readers = .all) {
        self.configuration = configuration
        self.environment = environment
        self.readers = readers
    }

    /// Seconds any one network check may take.
    static let networkSeconds: Int64 = 5

    static let httpClient = GuardedHTTPClient.make(connectSeconds: networkSeconds, readSeconds: networkSeconds)

    public func run() async -> [DoctorCheck] {
        var checks = await tools()
        // A render node alone keeps no jobs and no files, and dispatches nothing.
        if !readers.isDisjoint(with: [.server, .worker, .cli]) {
            checks += await stores()
            checks += await renderService()
        }
        checks += secrets()
        return checks
    }

    // MARK: Tools

    func tools() async -> [DoctorCheck] {
        let tools = configuration.tools
        var checks: [DoctorCheck] = []
        switch await Self.output(tools.ffmpeg, ["-hide_banner", "-encoders"]) {
        case nil:
            checks.append(DoctorCheck("ffmpeg", .failure, "\(tools.ffmpeg) does not run: install ffmpeg (make deps) or set MIXDOWN_FFMPEG"))
        case let encoders?:
            let version = Self.firstLine(await Self.output(tools.ffmpeg, ["-hide_banner", "-version"]) ?? "?")
            let needed = ["libx264", "aac", "libmp3lame", "libopus", "libvpx-vp9", "flac"]
            let missing = needed.filter { !encoders.contains(" \($0) ") }
            if missing.isEmpty {
                let nvenc = await NVENCProbe.works(ffmpeg: tools.ffmpeg)
                checks.append(
                    DoctorCheck("ffmpeg", .ok, "\(version); h264_nvenc \(nvenc ? "encodes here" : "does not encode here (renders use libx264)")")
                )
            } else {
                checks.append(
                    DoctorCheck("ffmpeg", .failure, "\(version) lacks the encoders \(missing.joined(separator: ", ")): install Debian's ffmpeg")
                )
            }
        }
        if let version = await Self.output(tools.ffprobe, ["-hide_banner", "-version"]) {
            checks.append(DoctorCheck("ffprobe", .ok, Self.firstLine(version)))
        } else {
            checks.append(DoctorCheck("ffprobe", .failure, "\(tools.ffprobe) does not run: install ffmpeg (make deps) or set MIXDOWN_FFPROBE"))
        }
        if let version = await Self.output(tools.ytdlp, ["--version"]) {
            checks.append(DoctorCheck("yt-dlp", .ok, "yt-dlp \(version.trimmingCharacters(in: .whitespacesAndNewlines))"))
        } else {
            // Only workers and the CLI fetch youtube inputs.
            let needed = !readers.isDisjoint(with: [.worker, .cli])
            checks.append(
                DoctorCheck(
                    "yt-dlp",
                    needed ? .failure : .warning,
                    "\(tools.ytdlp) does not run: youtube inputs fail; install it (make deps) or set MIXDOWN_YTDLP"
                )
            )
        }
        if let font = tools.fontFile, FileManager.default.isReadableFile(atPath: font) {
            checks.append(DoctorCheck("font", .ok, font))
        } else if let font = tools.fontFile {
            checks.append(DoctorCheck("font", .failure, "MIXDOWN_FONT=\(font) cannot be read: titles fail; point it at a TrueType font"))
        } else {
            checks.append(DoctorCheck("font", .failure, "no font for titles: install fonts-dejavu-core or set MIXDOWN_FONT"))
        }
        return checks
    }

    /// `ffmpeg version 5.1.6-0+deb12u1`, without the copyright that follows.
    static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return line.range(of: " Copyright").map { String(line[..<$0.lowerBound]) } ?? line
    }

    /// Standard output of a program that exits 0 within 10 s; nil otherwise.
    static func output(_ program: String, _ arguments: [String]) async -> String? {
        try? await BlockingIO.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
            process.arguments = program.hasPrefix("/") ? arguments : [program] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: timer)
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            timer.cancel()
            guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
            return String(decoding: data, as: UTF8.self)
        }
    }

    // MARK: Store and storage

    func stores() async -> [DoctorCheck] {
        let services: MixdownServices
        do {
            services = try MixdownServices.make(configuration)
        } catch {
            return [
                DoctorCheck("job store", .failure, "\(StoreLocation.redacted(configuration.store)) cannot be opened: \(error)"),
                DoctorCheck("storage", .failure, "not checked: the services could not be made"),
            ]
        }
        var checks: [DoctorCheck] = []
        let store = StoreLocation.redacted(configuration.store)
        do {
            // The first use migrates; the check commits a write, so a read-only store fails here.
            try await Self.bounded(seconds: 3 * Self.networkSeconds) { try await services.store.checkReady() }
            let counts = try await Self.bounded(seconds: Self.networkSeconds) { try await services.store.statusCounts() }
            let jobs = counts.values.reduce(0, +)
            checks.append(DoctorCheck("job store", .ok, "\(store): reachable, migrated and writable; \(jobs) job(s)"))
        } catch {
            checks.append(DoctorCheck("job store", .failure, "\(store): \(error) — check MIXDOWN_STORE, its credentials and that the server runs"))
        }
        checks.append(await storage(services.storage))
        return checks
    }

    func storage(_ storage: any StorageAdapter) async -> DoctorCheck {
        let location = StoreLocation.redacted(configuration.storage)
        do {
            try await Self.bounded(seconds: 3 * Self.networkSeconds) { try await storage.checkReady() }
        } catch {
            return DoctorCheck("storage", .failure, "\(location): \(error) — check MIXDOWN_STORAGE and its permissions or credentials")
        }
        // A bucket: a probe object fetched back through a presigned URL, as clients and render services will.
        do {
            let key = try StorageKey("doctor/probe-\(UUID().uuidString)")
            guard try storage.readURL(for: key, expiresInSeconds: 60) != nil else {
                return DoctorCheck("storage", .ok, "\(location): writable; the API serves its files through signed URLs")
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-doctor-\(UUID().uuidString)")
            let bytes = Data("mixdown doctor \(Date())".utf8)
            try bytes.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            _ = try await Self.bounded(seconds: 3 * Self.networkSeconds) {
                try await storage.put(file: file.path, key: key, contentType: "text/plain")
            }
            let fetched: (UInt, Data)
            do {
                guard let url = try storage.readURL(for: key, expiresInSeconds: 60) else { throw StorageError.notFound(key.rawValue) }
                let response = try await Self.httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(Self.networkSeconds))
                fetched = (response.status.code, Data(try await response.body.collect(upTo: 1 << 16).readableBytesView))
            } catch {
                // The probe goes whatever happened, before the process can end.
                try? await Self.bounded(seconds: Self.networkSeconds) { try await storage.delete(key) }
                throw error
            }
            try? await Self.bounded(seconds: Self.networkSeconds) { try await storage.delete(key) }
            guard fetched.0 == 200, fetched.1 == bytes else {
                return DoctorCheck(
                    "storage",
                    .failure,
                    "\(location): a presigned GET answered \(fetched.0), not the object: check the endpoint, region and clock"
                )
            }
            return DoctorCheck("storage", .ok, "\(location): writable; presigned URLs fetch the object back")
        } catch {
            return DoctorCheck("storage", .failure, "\(location): presigning failed: \(error)")
        }
    }

    // MARK: Render service and public URL

    func renderService() async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        if let endpoint = configuration.renderEndpoint {
            checks.append(await self.endpoint(endpoint))
        } else {
            checks.append(DoctorCheck("render service", .ok, "RENDER_ENDPOINT is not set: every render runs on the worker"))
        }
        if let url = configuration.publicURL {
            switch await Self.status(of: "\(url)/healthz") {
            case 200?: checks.append(DoctorCheck("public URL", .ok, "\(url)/healthz answers 200"))
            case let code?: checks.append(DoctorCheck("public URL", .failure, "\(url)/healthz answers \(code): MIXDOWN_PUBLIC_URL must be the API"))
            case nil:
                checks.append(
                    DoctorCheck("public URL", .warning, "\(url) cannot be reached from here (the render service must reach it; from here it may not)")
                )
            }
        }
        return checks
    }

    func endpoint(_ endpoint: String) async -> DoctorCheck {
        guard await Self.status(of: "\(endpoint)/healthz") == 200 else {
            return DoctorCheck("render service", .failure, "\(endpoint)/healthz does not answer 200: is mixdown render-node running there?")
        }
        // An empty document with the token: 400 says the token was taken, 401 that it was not.
        var request = HTTPClientRequest(url: "\(endpoint)/v1/dispatch")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.renderToken ?? "")")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "{}"))
        let code = try? await Self.httpClient.execute(request, timeout: .seconds(Self.networkSeconds)).status.code
        switch code {
        case 400?, 422?: return DoctorCheck("render service", .ok, "\(endpoint) answers and takes RENDER_TOKEN")
        case 401?: return DoctorCheck("render service", .failure, "\(endpoint) refuses RENDER_TOKEN: use the render node's token")
        case let other: return DoctorCheck("render service", .failure, "\(endpoint)/v1/dispatch answers \(other.map(String.init) ?? "nothing")")
        }
    }

    static func status(of url: String) async -> UInt? {
        guard let response = try? await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(networkSeconds)) else { return nil }
        return response.status.code
    }

    // MARK: Secrets

    func secrets() -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        let production = environment.deployment == .production
        func strength(_ name: String, _ value: String?, minimum: Int, required: Bool, why: String) {
            guard let value else {
                checks.append(DoctorCheck(name, required ? .failure : .ok, required ? "not set: it is needed here" : "not set (\(why))"))
                return
            }
            if value.count < minimum {
                checks.append(DoctorCheck(name, .failure, "\(value.count) characters: use at least \(minimum)"))
            } else if Set(value).count < 5 {
                checks.append(DoctorCheck(name, .failure, "only \(Set(value).count) different characters: use a random value (openssl rand -hex 32)"))
            } else {
                checks.append(DoctorCheck(name, .ok, "set, \(value.count) characters"))
            }
        }
        strength(
            "MIXDOWN_SIGNING_KEY",
            environment.value("MIXDOWN_SIGNING_KEY"),
            minimum: 32,
            required: production && !readers.isDisjoint(with: [.server, .worker]),
            why: "each process signs with a random key of its own; separate API and worker processes need the same one"
        )
        strength(
            "INTERNAL_WEBHOOK_SECRET",
            environment.value("INTERNAL_WEBHOOK_SECRET"),
            minimum: 16,
            required: (configuration.renderEndpoint != nil && readers.contains(.server)) || readers.contains(.renderNode),
            why: "the API takes no render callbacks"
        )
        if configuration.renderEndpoint != nil || environment.value("RENDER_TOKEN") != nil {
            strength("RENDER_TOKEN", environment.value("RENDER_TOKEN"), minimum: 16, required: true, why: "dispatches need it")
        }
        let keys = configuration.server.apiKeys
        if !readers.contains(.server) {
            return checks
        }
        if keys.isEmpty {
            checks.append(
                DoctorCheck(
                    "MIXDOWN_API_KEYS",
                    production ? .failure : .ok,
                    production ? "not set: production never serves without keys" : "not set: the API binds to loopback only"
                )
            )
        } else if let weak = keys.first(where: { $0.count < 16 || Set($0).count < 5 }) {
            checks.append(
                DoctorCheck("MIXDOWN_API_KEYS", .failure, "a key of \(weak.count) characters looks guessable: use random keys of 16+ characters")
            )
        } else {
            checks.append(DoctorCheck("MIXDOWN_API_KEYS", .ok, "\(keys.count) key(s)"))
        }
        return checks
    }

    /// Runs `body`, or throws once `seconds` pass: a store or bucket that does not answer is a finding, not
    /// a hang. The body is not waited for past that (a client stuck in a connect may ignore cancellation);
    /// the doctor is a short-lived process.
    static func bounded<T: Sendable>(seconds: Int64, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let once = Once(continuation)
            let timer = Task {
                try await Task.sleep(for: .seconds(seconds))
                once.resume(.failure(DoctorTimeout(seconds: seconds)))
            }
            Task {
                do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
                timer.cancel()
            }
        }
    }
}

/// Resumes a continuation with the first of several outcomes.
final class Once<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?

    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = continuation }

    func resume(_ result: Result<T, any Error>) {
        let taken: CheckedContinuation<T, any Error>? = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        taken?.resume(with: result)
    }
}

struct DoctorTimeout: Error, CustomStringConvertible {
    var seconds: Int64
    var description: String { "no answer in \(seconds) s" }
}
