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

    func run() async {
        let folder = "\(configuration.workDirectory)/\(document.jobId)-\(UUID().uuidString.prefix(8))"
        let callback: RenderCallback
        do {
            callback = try await withDeadline { try await render(in: folder) }
        } catch _ where Task.isCancelled {
            // Stopped: whatever the interrupted step threw (a download cut short, ffmpeg terminated).
            callback = .failed(document.jobId, MixdownError(.cancelled, "the dispatch was stopped"))
        } catch let error as MixdownError {
            callback = .failed(document.jobId, error)
        } catch let error as RecipeError {
            callback = .failed(document.jobId, error.error)
        } catch {
            callback = .failed(document.jobId, MixdownError(.internal, "\(error)"))
        }
        try? FileManager.default.removeItem(atPath: folder)
        // Not cancelled with the render: a stopped dispatch still says so.
        await Task { await deliver(callback) }.value
    }

    /// Runs `body`, or throws `timeout` once the document's deadline passes.
    private func withDeadline<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let remaining = document.deadline.timeIntervalSinceNow
        guard remaining > 0 else { throw MixdownError(.timeout, "the dispatch arrived after its deadline") }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(min(remaining, 7 * 86_400) * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw MixdownError(.timeout, "the render passed its deadline")
            }
            return value
        }
    }

    private func render(in folder: String) async throws -> RenderCallback {
        let inputs = "\(folder)/inputs", out = "\(folder)/out"
        try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
        // Every input comes from the URL the dispatcher gave, whatever the recipe says it was.
        let options = RecipeParser.Options(
            parameterOverrides: document.overrides,
            providedUploads: Set(document.inputs.keys),
            fileExists: { _ in true }
        )
        var recipe = try RecipeParser(options: options).parse(document.recipe, file: "\(document.jobId).yaml")
        for index in recipe.inputs.indices {
            let name = recipe.inputs[index].name
            guard let url = document.inputs[name] else {
                throw MixdownError(.missingInput, "the dispatch gives no URL for input '\(name)'", pointer: "/inputs")
            }
            recipe.inputs[index].source = .url(url)
        }
        let tools = configuration.tools
        let preparation = RecipePreparation(
            tools: tools,
            prober: MediaProber(tools: tools),
            limits: configuration.limits,
            renderDevice: configuration.renderDevice
        )
        let (plan, _) = try await preparation.plan(recipe, recipeDirectory: folder, uploads: [:], preview: document.preview, workDirectory: inputs)
        if let video = plan.video { logger.info("dispatch \(document.jobId): video \(video.encoder.rawValue) (\(video.reason))") }
        let artifacts = try await PlanExecutor(tools: tools, prober: preparation.prober).run(plan, outputDirectory: out)
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
        return RenderCallback(jobId: document.jobId, status: .succeeded, outputs: reported, error: nil)
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
                let response = try await httpClient.execute(request, timeout: .hours(1))
                // The answer's body is small (an S3 error document at most); read it to free the connection.
                _ = try? await response.body.collect(upTo: 64 * 1024)
                return response.status.code
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

    /// POSTs the callback, again after a connection failure or a 5xx (1 s, doubling, at most 60 s apart).
    private func deliver(_ callback: RenderCallback) async {
        let body: Data
        do {
            body = try JSONEncoder().encode(callback)
        } catch {
            logger.error("dispatch \(document.jobId): the callback could not be encoded: \(error)")
            return
        }
        var pause = 1.0
        for attempt in 1...max(1, configuration.callbackAttempts) {
            var request = HTTPClientRequest(url: document.callbackUrl)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer \(configuration.callbackSecret)")
            request.body = .bytes(ByteBuffer(data: body))
            var problem: String
            do {
                let response = try await httpClient.execute(request, timeout: .seconds(30))
                _ = try? await response.body.collect(upTo: 64 * 1024)
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
