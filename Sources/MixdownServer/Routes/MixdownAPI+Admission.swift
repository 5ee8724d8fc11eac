internal import Foundation
internal import Hummingbird
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownRecipe
import MixdownStorage

extension MixdownAPI {
    /// Every check a job request gets before any job exists, on every route that takes one: the recipe
    /// with its params and uploads, server files refused, the route's kind, named assets, each uploaded
    /// file probed against the duration cap (the byte cap held while it arrived), and `notifyUrl`.
    /// `POST /v1/recipes/validate` runs the same checks, so its verdict is the submission's.
    ///
    /// When every input is already here (uploads, stored assets), the recipe is also planned against the
    /// real media, so an impossible edit (a trim past the end, a crossfade longer than its tracks, a
    /// preview window past the end) is refused now, with its location, instead of failing as a job.
    ///
    /// With `keepPlan`, the plan made there is returned as the plan route shows it (JSON, paths relative).
    func admit(
        _ submission: Submission,
        feature: String?,
        preview: PreviewWindow? = nil,
        keepPlan: Bool = false
    ) async throws -> (recipe: Recipe, plan: String?, durations: [String: Double]) {
        try checkNotifyURL(submission.notifyUrl)
        let recipe = try parsed(submission, uploads: Set(submission.assetInputs.keys).union(submission.files.keys).union(submission.storedFiles.keys))
        if let feature, let required = Self.kind(for: feature), required != recipe.kind {
            throw ProblemDocument(
                .unprocessableContent,
                code: .wrongKind,
                detail: "POST /v1/\(feature) takes '\(required.rawValue)' recipes; this one is '\(recipe.kind.rawValue)' (use POST /v1/jobs)"
            )
        }
        for (name, id) in submission.assetInputs.sorted(by: { $0.key < $1.key }) {
            guard Identifier.isValid(id, prefix: "ast_"), try await services.store.asset(id: id) != nil else {
                throw ProblemDocument(.unprocessableContent, code: .unknownAsset, detail: "input '\(name)': no asset \(Excerpt.excerpt(id))")
            }
        }
        for (name, path) in submission.files.sorted(by: { $0.key < $1.key }) {
            try await checkUploadedMedia(path, what: "input '\(name)'")
        }
        // Files streamed into storage are checked where they lie: a bucket's through a presigned URL.
        var durations: [String: Double] = [:]
        for (name, file) in submission.storedFiles.sorted(by: { $0.key < $1.key }) {
            let what = "input '\(name)'"
            if let url = try services.storage.readURL(for: file.upload.key, expiresInSeconds: 3600) {
                durations[name] = try await checkUploadedMedia(url: url, what: what)
            } else {
                durations[name] = try await checkUploadedMedia(
                    try await services.storage.localPath(for: file.upload.key, downloadingInto: NSTemporaryDirectory()),
                    what: what
                )
            }
        }
        let isLocal = recipe.inputs.allSatisfy { input in
            switch input.source {
            case .url, .youtube: false
            default: true
            }
        }
        var plan: String?
        if isLocal {
            // A plan that is shown names local paths only; one that is only checked reads a bucket's media
            // where it lies.
            plan = try await planned(recipe, submission: submission, preview: preview ?? submission.preview, inPlace: !keepPlan) { plan, work in
                keepPlan ? try shown(plan, work: work) : nil
            }
        }
        return (recipe, plan, durations)
    }

    /// The recipe of a submission, parsed with its params; a network recipe may not read server files.
    /// `uploads` are the upload inputs the submission supplies, or nil to leave them unchecked (a draft).
    func parsed(_ submission: Submission, uploads: Set<String>?) throws -> Recipe {
        do {
            var options = RecipeParser.Options(parameterOverrides: submission.overrides, providedUploads: uploads)
            options.uploadChannel = .request
            let recipe = try RecipeParser(options: options).parse(
                submission.recipe ?? "",
                file: submission.name
            )
            if let input = recipe.inputs.first(where: { if case .file = $0.source { true } else { false } }) {
                throw RecipeError([
                    MixdownError(
                        code: .fileInputNotAllowed,
                        message: "input '\(input.name)': a submitted recipe cannot read server files; upload it instead",
                        location: input.location
                    )
                ])
            }
            return recipe
        } catch let error as RecipeError {
            throw ProblemDocument.invalidRecipe(error)
        }
    }

    /// A plan as clients see it: JSON with the server's own paths taken out.
    func shown(_ plan: Plan, work: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ServerPaths.redact(String(decoding: try encoder.encode(plan), as: UTF8.self), work: work, services: services)
    }

    /// Plans `recipe` with the submission's files and assets in a scratch folder and hands the plan to
    /// `body`; planning errors become 422 problem documents that name no server path. `inPlace`: media in
    /// a bucket is probed through presigned URLs instead of downloaded (a plan that is only checked).
    func planned<T>(
        _ recipe: Recipe,
        submission: Submission,
        preview: PreviewWindow?,
        inPlace: Bool = false,
        _ body: (Plan, String) throws -> T
    ) async throws -> T {
        // Planning that fetches media (a network input, or a bucket's object not read in place) is a
        // transfer like an upload: it takes a slot, unless the request holds one already (a form). Without
        // it, any number of small requests could each download their inputs to this machine at once.
        // What is fetched: every stored upload below unless read in place, and the used inputs that name
        // a URL, a video or an asset (InputResolver skips unused ones).
        let used = recipe.usedInputNames
        let bucket = services.storage.isRemote
        let fetches =
            (bucket && !inPlace && !(submission.storedFiles.isEmpty && submission.assetInputs.isEmpty))
            || recipe.inputs.contains { input in
                guard used.contains(input.name) else { return false }
                return switch input.source {
                case .url, .youtube: true
                case .asset: bucket
                case .upload, .file: false
                }
            }
        let tookSlot = fetches && !submission.isForm
        if tookSlot { try takeTransferSlot() }
        defer { if tookSlot { uploadSlots.give() } }
        let work = try WorkFolders.makeUploadFolder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        var uploads = submission.files
        var remote: Set<String> = []
        var stored = submission.storedFiles.mapValues(\.upload.key)
        for (name, id) in submission.assetInputs {
            guard let asset = try await services.store.asset(id: id) else {
                throw ProblemDocument(.unprocessableContent, code: .unknownAsset, detail: "input '\(name)': no asset \(Excerpt.excerpt(id))")
            }
            stored[name] = asset.key
        }
        for (name, key) in stored {
            if inPlace, let url = try services.storage.readURL(for: key, expiresInSeconds: 3600) {
                uploads[name] = url
                remote.insert(name)
            } else {
                uploads[name] = try await services.storage.localPath(for: key, downloadingInto: work)
            }
        }
        let preparation = RecipePreparation(
            tools: services.tools,
            prober: services.prober,
            limits: services.inputLimits,
            assets: StoreAssetResolver(services: services, directory: work),
            renderDevice: services.configuration.renderDevice
        )
        do {
            let (resolved, remoteUploads) = (uploads, remote)
            let planning: @Sendable () async throws -> Plan = {
                try await preparation.plan(
                    recipe,
                    recipeDirectory: work,
                    uploads: resolved,
                    remoteUploads: remoteUploads,
                    preview: preview,
                    workDirectory: work
                ).0
            }
            let seconds = configuration.planningFetchSeconds
            let plan =
                fetches
                ? try await Deadline.run(
                    seconds: seconds,
                    expired: {
                        ProblemDocument(MixdownError(code: .downloadFailed, message: "the request's inputs were not fetched within \(seconds) s"))
                    },
                    planning
                )
                : try await planning()
            return try body(plan, work)
        } catch let error as RecipeError {
            throw ProblemDocument.invalidRecipe(error)
        } catch var error as MixdownError {
            // The code's own status: a refused input is a 422, an asset storage cannot read now a 503.
            error.message = ServerPaths.redact(error.message, work: work, services: services)
            throw ProblemDocument(error)
        }
    }

    static let maximumNotifyURLBytes = 2048

    /// A `notifyUrl` must be http(s) on a public address (unless private URLs are allowed), checked when
    /// the job is submitted; deliveries check it again, since DNS answers change.
    func checkNotifyURL(_ text: String?) throws {
        guard let text else { return }
        guard text.utf8.count <= Self.maximumNotifyURLBytes, let url = URL(string: text),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            throw ProblemDocument(
                .unprocessableContent,
                code: .badNotifyUrl,
                detail: "notifyUrl must be an http or https URL of at most \(Self.maximumNotifyURLBytes) bytes"
            )
        }
        do {
            try services.inputLimits.checkNetworkTarget(url)
        } catch let error as MixdownError {
            throw ProblemDocument(.unprocessableContent, code: .badNotifyUrl, detail: "notifyUrl: \(error.message)")
        }
    }

    /// An uploaded file must be media ffprobe can read, in a container that holds its media itself (no
    /// playlist that would make ffmpeg open other files), lasting no longer than the duration cap. A file
    /// whose header gives no duration is read through to measure it.
    @discardableResult
    func checkUploadedMedia(_ path: String, what: String) async throws -> Double? {
        let facts = try? await services.prober.facts(for: path)
        return try await checkUploadedMedia(facts, what: what) { try await DurationReader(tools: services.tools).duration(of: path) }
    }

    /// The same for media in a bucket, read through a presigned URL under ``MediaProber/remoteReadArguments``.
    func checkUploadedMedia(url: String, what: String) async throws -> Double? {
        let facts = try? await services.prober.facts(forURL: url)
        return try await checkUploadedMedia(facts, what: what) { try await DurationReader(tools: services.tools).duration(ofURL: url) }
    }

    /// The checks on what ffprobe said; `readThrough` measures a file whose header gives no duration.
    /// Returns the duration (nil for a still image).
    private func checkUploadedMedia(_ facts: MediaFacts?, what: String, readThrough: () async throws -> Double?) async throws -> Double? {
        guard let facts, facts.hasAudio || facts.hasVideo else {
            throw ProblemDocument(
                .unprocessableContent,
                code: .unreadableMedia,
                detail: "\(what): not audio, video or an image ffprobe can read"
            )
        }
        guard facts.isPlainMediaContainer else {
            throw ProblemDocument(
                .unprocessableContent,
                code: .unsupportedContainer,
                detail:
                    "\(what): '\(Excerpt.excerpt(facts.formatName ?? "unknown"))' is not a media container mixdown accepts (playlists and manifests are refused)"
            )
        }
        var duration = facts.duration
        if duration == nil && !facts.isStillImage {
            duration = try await readThrough()
            guard duration != nil else {
                throw ProblemDocument(.unprocessableContent, code: .unreadableMedia, detail: "\(what): its duration cannot be read")
            }
        }
        if let duration, !(duration <= configuration.maxDurationSeconds) {
            throw ProblemDocument(
                .unprocessableContent,
                code: .tooLong,
                detail: "\(what) lasts \(Int(min(duration, 1e9))) s; the limit is \(Int(configuration.maxDurationSeconds)) s"
            )
        }
        return duration
    }

    /// `Idempotency-Key`: 1 to 200 visible ASCII characters, as the OpenAPI document says.
    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ProblemDocument(.badRequest, code: .badIdempotencyKey, detail: "Idempotency-Key is 1 to 200 visible ASCII characters")
        }
        return key
    }
}
