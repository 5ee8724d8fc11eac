internal import AsyncHTTPClient
internal import Foundation
internal import Logging
internal import MixdownExecution
internal import MixdownJobs
internal import MixdownPlanner
internal import MixdownRecipe
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1
internal import _NIOFileSystem

/// One dispatch on a render node: download the inputs, plan the recipe for this machine, run it, upload
/// each output to its URL, and call back. Whatever happens, one callback goes out and the folder goes.
struct DispatchRun: Sendable {
    let document: DispatchDocument
    let configuration: RenderNodeConfiguration
    let httpClient: HTTPClient
    let logger: Logger

    /// Renders and uploads; what to call back with, whatever happened. The folder goes either way.
    func render() async -> RenderCallback {
        let folder = "\(configuration.workDirectory)/\(document.jobId)-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            return try await withDeadline { try await render(in: folder) }
        } catch _ where Task.isCancelled {
            // Stopped: whatever the interrupted step threw (a download cut short, ffmpeg terminated).
            return .failed(document, MixdownError(.cancelled, "the dispatch was stopped"))
        } catch let error as MixdownError {
            return .failed(document, error)
        } catch let error as RecipeError {
            return .failed(document, error.error)
        } catch {
            return .failed(document, MixdownError(.internal, "\(error)"))
        }
    }

    /// The recipe the document carries, every input read from the URL the dispatcher gave; refused when its
    /// inputs and outputs are not exactly the document's, or when a step would read a file of this machine.
    static func recipe(of document: DispatchDocument) throws -> Recipe {
        let options = RecipeParser.Options(
            parameterOverrides: document.overrides,
            // Unused inputs are not dispatched (nothing fetches them); the used ones are checked below.
            providedUploads: nil,
            fileExists: { _ in true }
        )
        var recipe = try RecipeParser(options: options).parse(document.recipe, file: "\(document.jobId).yaml")
        // Only the dispatch's URLs reach this machine's ffmpeg: a step that reads a file by path would read
        // the node's own (`captions: /etc/passwd`) and upload it to whoever sent the dispatch.
        if let step = recipe.steps.first(where: { $0.operation.kind == .captions }) {
            throw MixdownError(
                .badInput,
                "step '\(step.id)': captions read a file by path, which a render node does not take from a dispatch",
                location: step.location
            )
        }
        let inputNames = Set(recipe.inputs.map(\.name)), outputNames = Set(recipe.outputs.map(\.name))
        // Every input the recipe reads comes with the dispatch, and the dispatch names no other.
        guard recipe.usedInputNames.isSubset(of: document.inputs.keys), Set(document.inputs.keys).isSubset(of: inputNames) else {
            throw MixdownError(
                .badInput,
                "the recipe's inputs (\(inputNames.sorted().joined(separator: ", "))) are not the dispatch's (\(document.inputs.keys.sorted().joined(separator: ", ")))",
                pointer: "/inputs"
            )
        }
        guard outputNames == Set(document.outputs.keys) else {
            throw MixdownError(
                .badInput,
                "the recipe's outputs (\(outputNames.sorted().joined(separator: ", "))) are not the dispatch's (\(document.outputs.keys.sorted().joined(separator: ", ")))",
                pointer: "/outputs"
            )
        }
        for index in recipe.inputs.indices {
            if let url = document.inputs[recipe.inputs[index].name] { recipe.inputs[index].source = .url(url) }
        }
        return recipe
    }

    /// Runs `body`, or throws `timeout` once the document's deadline passes.
    private func withDeadline<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let remaining = document.deadline.timeIntervalSinceNow
        guard remaining > 0 else { throw MixdownError(.timeout, "the dispatch arrived after its deadline") }
        return try await Deadline.run(
            seconds: min(remaining, 7 * 86_400),
            expired: { MixdownError(.timeout, "the render passed its deadline") },
            body
        )
    }

    private func render(in folder: String) async throws -> RenderCallback {
        let inputs = "\(folder)/inputs", out = "\(folder)/out"
        try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
        let recipe = try Self.recipe(of: document)
        let tools = configuration.tools
        let preparation = RecipePreparation(
            tools: tools,
            prober: MediaProber(tools: tools),
            limits: configuration.limits,
            renderDevice: configuration.renderDevice
        )
        let (plan, _) = try await preparation.plan(recipe, recipeDirectory: folder, uploads: [:], preview: document.preview, workDirectory: inputs)
        if let video = plan.video { logger.info("dispatch \(document.jobId): video \(video.encoder.rawValue) (\(video.reason))") }
        let progress = LatestProgress()
        let reporter = Task { await reportProgress(progress) }
        defer { reporter.cancel() }
        let artifacts = try await PlanExecutor(tools: tools, prober: preparation.prober).run(plan, outputDirectory: out) { event in
            if event.kind == .progress || event.kind == .stageFinished { progress.set(event.progress) }
        }
        reporter.cancel()
        var reported: [RenderCallback.Output] = []
        for artifact in artifacts {
            guard let target = document.outputs[artifact.name] else {
                throw MixdownError(.outputMissing, "the dispatch gives no upload URL for output '\(artifact.name)'", pointer: "/outputs")
            }
            try await upload(artifact, to: target)
            reported.append(
                RenderCallback.Output(
                    name: artifact.name,
                    key: target.key,
                    bytes: artifact.bytes,
                    durationSeconds: artifact.durationSeconds,
                    sha256: artifact.sha256
                )
            )
        }
        return RenderCallback(jobId: document.jobId, dispatchId: document.dispatchId, status: .succeeded, outputs: reported, error: nil)
    }

    /// PUTs an output's bytes to its URL, streamed from the file.
    private func upload(_ artifact: OutputArtifact, to target: DispatchOutput) async throws {
        var request = HTTPClientRequest(url: target.url)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: target.contentType)
        let status: UInt
        do {
            status = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(artifact.path)) { file in
                request.body = .stream(
                    file.readChunks(in: 0..<Int64(artifact.bytes), chunkLength: .kibibytes(256)),
                    length: .known(Int64(artifact.bytes))
                )
                return try await httpClient.execute(request, timeout: .hours(1)).status.code
            }
        } catch let error as CancellationError {
            throw error
        } catch {
            throw MixdownError(.publishFailed, "output '\(artifact.name)': the upload failed: \(error)")
        }
        guard (200..<300).contains(status) else {
            throw MixdownError(.publishFailed, "output '\(artifact.name)': the upload URL answered \(status)")
        }
    }

    /// Every 2 s while the render runs, a `running` callback with its progress when it moved: one try with
    /// a short timeout, never retried (the next one supersedes it), so a slow API cannot hold the render.
    private func reportProgress(_ progress: LatestProgress) async {
        var sent = -1.0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(Self.progressInterval))
            guard !Task.isCancelled, let value = progress.value, value > sent else { continue }
            sent = value
            let callback = RenderCallback(
                jobId: document.jobId,
                dispatchId: document.dispatchId,
                status: .running,
                progress: value,
                outputs: [],
                error: nil
            )
            guard let body = try? JSONEncoder().encode(callback) else { return }
            _ = try? await httpClient.execute(callbackRequest(body), timeout: .seconds(5))
        }
    }

    static let progressInterval = 2.0

    /// A POST of `body` to the dispatch's callback URL with the webhook secret.
    private func callbackRequest(_ body: Data) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: document.callbackUrl)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.callbackSecret)")
        request.body = .bytes(ByteBuffer(data: body))
        return request
    }

    /// POSTs the callback, again after a connection failure or a 5xx (1 s, doubling, at most 60 s apart).
    func deliver(_ callback: RenderCallback) async {
        let body: Data
        do {
            body = try JSONEncoder().encode(callback)
        } catch {
            logger.error("dispatch \(document.jobId): the callback could not be encoded: \(error)")
            return
        }
        var pause = 1.0
        for attempt in 1...max(1, configuration.callbackAttempts) {
            let request = callbackRequest(body)
            var problem: String
            do {
                // The answer's body is not read: a peer that trickles it must not hold this task.
                let response = try await httpClient.execute(request, timeout: .seconds(30))
                if response.status.code < 300 { return }
                problem = "answered \(response.status.code)"
                // A 4xx will not change by asking again.
                if response.status.code < 500 { break }
            } catch {
                problem = "\(error)"
            }
            logger.warning("dispatch \(document.jobId): callback attempt \(attempt) failed: \(problem)")
            guard attempt < configuration.callbackAttempts else { break }
            try? await Task.sleep(for: .milliseconds(Int64(pause * 1000)))
            pause = min(pause * 2, 60)
        }
        logger.error("dispatch \(document.jobId): the callback was not delivered")
    }
}

/// The newest progress of a render, written by its executor's events and read by the reporter.
final class LatestProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: Double?

    func set(_ value: Double) { lock.withLock { latest = max(latest ?? 0, min(max(value, 0), 1)) } }
    var value: Double? { lock.withLock { latest } }
}
