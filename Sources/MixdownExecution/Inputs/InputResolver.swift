internal import Foundation
public import MixdownPlanner
public import MixdownRecipe

/// Turns each recipe input into a local, probed file: recipe-relative files, uploads, downloads
/// (byte-capped), yt-dlp audio (size- and duration-capped) and stored assets.
public struct InputResolver: Sendable {
    public var tools: MediaTools
    public var prober: MediaProber
    public var limits: InputLimits
    /// The folder `file:` paths are relative to.
    public var recipeDirectory: String
    /// Paths supplied for `upload` inputs, by input name. The job system also supplies `file` inputs here,
    /// having stored them at submission, so a worker elsewhere reads the same bytes.
    public var uploads: [String: String]
    /// The uploads supplied as http(s) URLs (objects in a bucket, presigned) rather than paths: probed
    /// where they lie, under ``MediaProber/remoteReadArguments``. Only the server sets these, to check a
    /// submission's plan without downloading its media; a plan made from them is never run.
    public var remoteUploads: Set<String> = []
    public var assets: (any AssetResolver)?
    /// Where downloads go; the caller removes it.
    public var workDirectory: String

    public init(
        tools: MediaTools,
        prober: MediaProber,
        limits: InputLimits = InputLimits(),
        recipeDirectory: String,
        uploads: [String: String] = [:],
        assets: (any AssetResolver)? = nil,
        workDirectory: String
    ) {
        self.tools = tools
        self.prober = prober
        self.limits = limits
        self.recipeDirectory = recipeDirectory
        self.uploads = uploads
        self.assets = assets
        self.workDirectory = workDirectory
    }

    /// Whether `input` is an upload supplied as a URL (only `upload` inputs take supplied values so).
    private func isRemote(_ input: RecipeInput) -> Bool {
        input.source == .upload && remoteUploads.contains(input.name)
    }

    /// Fetches and probes the inputs the recipe reads. An input no step and no output names is left
    /// alone: a declared-but-unused `url` is not downloaded, and an unused upload is not probed.
    public func resolve(_ recipe: Recipe) async throws -> [PlanInput] {
        var resolved: [PlanInput] = []
        let used = recipe.usedInputNames
        for input in recipe.inputs where used.contains(input.name) {
            let path = try await localPath(for: input)
            let facts: MediaFacts
            do {
                facts = isRemote(input) ? try await prober.facts(forURL: path) : try await prober.facts(for: path)
            } catch let error as MixdownError {
                throw MixdownError(code: error.code, message: "input '\(input.name)': \(error.message)", location: input.location)
            }
            if input.type == .audio && !facts.hasAudio {
                throw MixdownError(code: .noAudio, message: "input '\(input.name)' has no audio stream", location: input.location)
            }
            switch input.source {
            case .url, .youtube:
                // A downloaded playlist or manifest would make ffmpeg open further files, local ones included.
                guard facts.isPlainMediaContainer else {
                    try? FileManager.default.removeItem(atPath: path)
                    throw MixdownError(
                        code: .unsupportedContainer,
                        message: "input '\(input.name)': \(Excerpt.quoted(facts.formatName ?? "unknown")) is not a media container mixdown accepts",
                        location: input.location
                    )
                }
                // A header without a duration (a streamed recording) does not skip the cap: read it through.
                var duration = facts.duration
                if duration == nil && !facts.isStillImage {
                    duration = try await DurationReader(tools: prober.tools).duration(of: path) ?? .infinity
                }
                if let duration, !(duration <= limits.maximumDurationSeconds) {
                    try? FileManager.default.removeItem(atPath: path)
                    throw MixdownError(
                        code: .inputTooLong,
                        message:
                            "input '\(input.name)' lasts \(Self.seconds(duration)) s; the limit is \(Self.seconds(limits.maximumDurationSeconds)) s",
                        location: input.location
                    )
                }
            default: break
            }
            resolved.append(PlanInput(name: input.name, path: path, facts: facts))
        }
        return resolved
    }

    private func localPath(for input: RecipeInput) async throws -> String {
        if let supplied = uploads[input.name], input.source == .upload || input.source.isFile {
            guard isRemote(input) || FileManager.default.fileExists(atPath: supplied) else {
                throw MixdownError(code: .missingFile, message: "input '\(input.name)': no file at \(supplied)", location: input.location)
            }
            return supplied
        }
        switch input.source {
        case .file(let path):
            let full = path.hasPrefix("/") ? path : URL(fileURLWithPath: recipeDirectory).appendingPathComponent(path).path
            guard FileManager.default.fileExists(atPath: full) else {
                throw MixdownError(code: .missingFile, message: "input '\(input.name)': no file at \(full)", location: input.location)
            }
            return full
        case .upload:
            // Supplied uploads returned above.
            throw MixdownError(
                code: .missingInput,
                message: "input '\(input.name)' is an upload: supply it with --input \(input.name)=PATH",
                location: input.location
            )
        case .asset(let id):
            guard let assets else {
                throw MixdownError(
                    code: .badInput,
                    message: "input '\(input.name)' names asset \(id); assets are resolved by the job system (mixdown submit)",
                    location: input.location
                )
            }
            do {
                return try await assets.localPath(forAsset: id)
            } catch let error as MixdownError {
                throw MixdownError(code: error.code, message: "input '\(input.name)': \(error.message)", location: input.location)
            }
        case .url(let address):
            guard let url = URL(string: address) else {
                throw MixdownError(code: .badUrl, message: "input '\(input.name)': bad URL", location: input.location)
            }
            let destination = "\(workDirectory)/download-\(input.name)"
            do {
                try await HTTPDownloader(maximumBytes: limits.maximumBytes, guard_: NetworkGuard(allowPrivateAddresses: limits.allowPrivateAddresses))
                    .download(url, to: destination)
            } catch let error as MixdownError {
                throw MixdownError(code: error.code, message: "input '\(input.name)': \(error.message)", location: input.location)
            }
            return destination
        case .youtube(let address):
            return try await fetchWithYTDLP(address, input: input)
        }
    }

    private func fetchWithYTDLP(_ address: String, input: RecipeInput) async throws -> String {
        // yt-dlp follows its own redirects; the page's host is checked here, the media hosts it picks are not.
        do {
            try NetworkGuard(allowPrivateAddresses: limits.allowPrivateAddresses).check(URL(string: address) ?? URL(fileURLWithPath: "/"))
        } catch let error as MixdownError {
            throw MixdownError(code: error.code, message: "input '\(input.name)': \(error.message)", location: input.location)
        }
        let directory = "\(workDirectory)/ytdlp-\(input.name)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let outcome = try await ChildProcess.run(
            tools.ytdlp,
            [
                "--no-playlist", "--no-progress", "--quiet", "--no-warnings", "--no-cache-dir",
                "-f", "bestaudio/best",
                "--max-filesize", "\(limits.maximumBytes)",
                "--match-filter", "duration <=? \(Self.seconds(limits.maximumDurationSeconds))",
                "-o", "\(directory)/media.%(ext)s",
                "--", address,
            ]
        )
        let produced = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { !$0.hasSuffix(".part") } ?? []
        guard outcome.succeeded, let file = produced.first else {
            let detail = outcome.standardErrorTail.joined(separator: " ").trimmingCharacters(in: .whitespaces)
            let skipped = detail.isEmpty && outcome.succeeded
            throw MixdownError(
                code: skipped ? .inputTooLarge : .downloadFailed,
                message: skipped
                    ? "input '\(input.name)': yt-dlp skipped it: larger than \(limits.maximumBytes) bytes or longer than \(Self.seconds(limits.maximumDurationSeconds)) s"
                    : "input '\(input.name)': yt-dlp failed: \(detail.isEmpty ? "exit \(outcome.exitCode ?? -1)" : detail)",
                location: input.location
            )
        }
        return "\(directory)/\(file)"
    }
}

extension InputSource {
    var isFile: Bool {
        if case .file = self { return true }
        return false
    }
}

extension InputResolver {
    /// Whole seconds for messages and yt-dlp's filter; total for any number (limits come from configuration).
    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : "0" }
        return String(format: "%.0f", value)
    }
}
