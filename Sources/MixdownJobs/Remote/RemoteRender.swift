internal import AsyncHTTPClient
internal import Crypto
internal import Foundation
internal import Logging
public import MixdownPlanner
public import MixdownRecipe
public import MixdownStorage
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1

/// A worker's side of the dispatch protocol (Docs/render-dispatch.md): makes a planned render's inputs
/// readable and its outputs writable by URL, sends the dispatch to `RENDER_ENDPOINT`, and waits, under the
/// job's lease, for the report the API's webhook records; then the job ends through the worker's usual
/// path, with the outputs the webhook checked in storage.
public struct RemoteRender {
    let services: MixdownServices
    let job: Job
    let lease: Lease
    let state: JobRunner.RunState
    let logger: Logger

    /// Whether a render runs on the render service: never without `RENDER_ENDPOINT` or with device `cpu`,
    /// always with `gpu`, and with `auto` when its longest output is at least `MIXDOWN_RENDER_REMOTE_SECONDS`.
    /// A recipe that reads a file by path (`captions`) stays here: a render service takes only URLs.
    public static func runsRemotely(_ recipe: Recipe, plan: Plan, type: JobType, configuration: MixdownConfiguration) -> Bool {
        guard type == .render, configuration.renderEndpoint != nil, configuration.publicURL != nil,
            !recipe.steps.contains(where: { $0.operation.kind == .captions })
        else { return false }
        switch recipe.renderDevice ?? configuration.renderDevice {
        case .cpu: return false
        case .gpu: return true
        case .auto: return plan.outputs.map { $0.expectedDuration ?? 0 }.max() ?? 0 >= configuration.renderRemoteSeconds
        }
    }

    /// Where a render service puts `output` of dispatch `dispatchId` of job `jobId`: under the job's folder,
    /// as a CPU render's, in a folder of the dispatch's own, so that no other dispatch of the job (a
    /// repeat, an earlier run still going somewhere) can write over what the webhook checked. The folder
    /// is named by a hash of the dispatch id, which is a lease token and stays unseen.
    public static func outputKey(jobId: String, dispatchId: String, output: PlannedOutput) throws -> StorageKey {
        let folder = SHA256.hash(data: Data(dispatchId.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return try StorageKey("jobs/\(jobId)/remote-\(folder)/\(output.fileName)")
    }

    /// How long a worker keeps asking a render service that is busy or unreachable before the attempt
    /// fails with the retryable `render-service-unavailable` (the job is queued again after its backoff),
    /// so that an outage does not hold worker slots for whole render timeouts.
    static let dispatchPatienceSeconds = 300.0

    /// The stage a dispatched job shows while the render service works.
    public static let stage = "rendering-remote"

    /// Dispatches, never follows a redirect (the document carries presigned URLs), and times out.
    static let httpClient = GuardedHTTPClient.make(connectSeconds: 10, readSeconds: 30)

    /// Sends the dispatch and waits for its report; the outputs and assets to publish. Cancelled (cancel,
    /// timeout, shutdown), it stops the dispatch, unless the lease was lost: the job's new owner has
    /// dispatched it again under the same job id.
    func run(_ recipe: Recipe, plan: Plan, inputs: [PlanInput], started: ContinuousClock.Instant) async throws -> ([JobOutput], [Asset]) {
        var staged: [StorageKey] = []
        let outputs = try plan.outputs.map { ($0, try Self.outputKey(jobId: job.id, dispatchId: lease.token, output: $0)) }
        do {
            let elapsed = Double((ContinuousClock.now - started).components.seconds)
            let deadline = Date().addingTimeInterval(max(job.timeoutSeconds - elapsed, 1))
            // URLs outlive the deadline a little: an upload begun just before it still lands.
            let lifetime = Int(min(max(job.timeoutSeconds - elapsed, 1) + 300, 7 * 86_400))
            var inputURLs: [String: String] = [:]
            for input in inputs {
                let key = try await inputKey(input, recipe: recipe, staged: &staged)
                inputURLs[input.name] = try readURL(key, lifetime: lifetime)
            }
            var outputTargets: [String: DispatchOutput] = [:]
            for (output, key) in outputs {
                outputTargets[output.name] = DispatchOutput(
                    url: try writeURL(key, contentType: output.contentType, lifetime: lifetime),
                    key: key.rawValue,
                    contentType: output.contentType
                )
            }
            let document = DispatchDocument(
                jobId: job.id,
                dispatchId: lease.token,
                recipe: job.recipe,
                overrides: job.parameters.overrides,
                preview: job.parameters.preview,
                plan: plan,
                inputs: inputURLs,
                outputs: outputTargets,
                callbackUrl: "\(services.configuration.publicURL ?? "")/v1/webhooks/render",
                deadline: deadline
            )
            try await dispatch(document)
            let callback = try await report()
            await removeStored(staged)
            staged = []
            return try published(callback, outputs: outputs)
        } catch {
            await removeStored(staged)
            // What the service may have uploaded belongs to no job now. After a lost lease the job is another
            // worker's, which stops this dispatch if it still runs (409); this dispatch's own folder is left
            // as it is (an orphan the closing note lists).
            if state.stopReason != .lost {
                if Task.isCancelled || error is CancellationError { await stopDispatch(only: lease.token) }
                await removeStored(outputs.map(\.1))
            }
            throw error
        }
    }

    /// The storage key the render service reads an input from: its asset's for an upload or an asset,
    /// otherwise a copy of the worker's file (a download, a file beside the recipe), removed afterwards.
    private func inputKey(_ input: PlanInput, recipe: Recipe, staged: inout [StorageKey]) async throws -> StorageKey {
        var assetId = job.parameters.uploads[input.name]
        if assetId == nil, case .asset(let id)? = recipe.inputs.first(where: { $0.name == input.name })?.source { assetId = id }
        if let assetId {
            guard let asset = try await services.store.asset(id: assetId) else {
                throw MixdownError(.unknownAsset, "input '\(input.name)': asset \(assetId) is gone")
            }
            return asset.key
        }
        let key = try StorageKey("jobs/\(job.id)/dispatch/\(lease.token.suffix(16))/\(input.name)")
        _ = try await services.storage.put(file: input.path, key: key, contentType: "application/octet-stream")
        staged.append(key)
        return key
    }

    private func readURL(_ key: StorageKey, lifetime: Int) throws -> String {
        if let url = try services.storage.readURL(for: key, expiresInSeconds: lifetime) { return url }
        return signedStorageURL(method: "GET", key: key, lifetime: lifetime)
    }

    private func writeURL(_ key: StorageKey, contentType: String, lifetime: Int) throws -> String {
        if let url = try services.storage.writeURL(for: key, expiresInSeconds: lifetime, contentType: contentType) { return url }
        return signedStorageURL(method: "PUT", key: key, lifetime: lifetime)
    }

    /// A URL of the API's `/v1/storage/object` route, signed with the key every API and worker shares.
    private func signedStorageURL(method: String, key: StorageKey, lifetime: Int) -> String {
        let expires = Int(Date().timeIntervalSince1970) + lifetime
        let signature = URLSigner(key: services.configuration.signingKey).signature(method: method, key: key.rawValue, expires: expires)
        var components = URLComponents()
        components.queryItems = [
            URLQueryItem(name: "key", value: key.rawValue), URLQueryItem(name: "expires", value: String(expires)),
            URLQueryItem(name: "signature", value: signature),
        ]
        // URLComponents leaves `+` alone, which a server reads as a space.
        let query = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return "\(services.configuration.publicURL ?? "")/v1/storage/object?\(query)"
    }

    /// POSTs the document until the service takes it: a busy or unreachable service is asked again (1 s,
    /// doubling to 30 s) while the job has time; one that still renders an earlier dispatch of this job (a
    /// worker that died) is told to stop it first; any other refusal ends the job.
    private func dispatch(_ document: DispatchDocument) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let body = try encoder.encode(document)
        let endpoint = services.configuration.renderEndpoint ?? ""
        var pause = 1.0
        let patience = ContinuousClock.now + .seconds(Self.dispatchPatienceSeconds)
        while true {
            try Task.checkCancellation()
            var request = HTTPClientRequest(url: "\(endpoint)/v1/dispatch")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer \(services.configuration.renderToken ?? "")")
            request.body = .bytes(ByteBuffer(data: body))
            let problem: String
            do {
                let response = try await Self.httpClient.execute(request, timeout: .seconds(30))
                let detail = await Self.detail(of: response)
                switch response.status.code {
                case 200..<300:
                    logger.info("dispatched", metadata: ["job": "\(job.id)", "endpoint": "\(endpoint)"])
                    state.set(progress: 0, stage: Self.stage)
                    // Shown at once, not at the next heartbeat: a short render may end before it.
                    _ = try? await services.store.heartbeat(
                        lease,
                        leaseSeconds: services.configuration.leaseSeconds,
                        progress: nil,
                        stage: Self.stage,
                        processes: nil
                    )
                    return
                case 409:
                    // Not this dispatch (a repeat of it is answered 202): an earlier run's, whose worker died.
                    problem = "409 (an earlier dispatch of this job still runs there; stopping it)"
                    await stopDispatch(only: nil)
                case 429, 500...:
                    problem = "\(response.status.code)\(detail.map { ": \($0)" } ?? "")"
                default:
                    throw MixdownError(
                        .renderServiceRefused,
                        "the render service at \(endpoint) refused the dispatch with \(response.status.code)\(detail.map { ": \($0)" } ?? "")"
                    )
                }
            } catch let error as MixdownError {
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
                problem = "\(error)"
            }
            guard ContinuousClock.now + .seconds(pause) < patience else {
                throw MixdownError(
                    .renderServiceUnavailable,
                    "the render service at \(endpoint) did not take the dispatch in \(Int(Self.dispatchPatienceSeconds)) s; last answer: \(problem)"
                )
            }
            logger.warning("dispatch not taken; trying again in \(pause) s", metadata: ["job": "\(job.id)", "answer": "\(problem)"])
            state.set(progress: 0, stage: "waiting-for-render-service")
            try await Task.sleep(for: .milliseconds(Int64(pause * 1000)))
            pause = min(pause * 2, 30)
        }
    }

    /// A problem document's `detail` (or the start of another body), at most 16 KiB read.
    static func detail(of response: HTTPClientResponse) async -> String? {
        guard let body = try? await response.body.collect(upTo: 16 * 1024) else { return nil }
        let data = Data(body.readableBytesView)
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let detail = object["detail"] as? String {
            return String(detail.prefix(300))
        }
        let text = String(decoding: data, as: UTF8.self)
        return text.isEmpty ? nil : String(text.prefix(300))
    }

    /// Asks the render service to stop this job's dispatch `only` (any dispatch of the job when nil); a
    /// service that cannot be reached is left to its deadline.
    private func stopDispatch(only dispatchId: String?) async {
        var url = "\(services.configuration.renderEndpoint ?? "")/v1/dispatch/\(job.id)"
        if let dispatchId { url += "?dispatchId=\(dispatchId)" }
        var request = HTTPClientRequest(url: url)
        request.method = .DELETE
        request.headers.add(name: "Authorization", value: "Bearer \(services.configuration.renderToken ?? "")")
        // Not cancellable by the job's own cancellation, which is why it runs.
        let outcome = await Task.detached { try? await Self.httpClient.execute(request, timeout: .seconds(10)).status.code }.value
        logger.info("asked the render service to stop", metadata: ["job": "\(job.id)", "answer": "\(outcome.map(String.init) ?? "none")"])
    }

    /// Waits for the webhook's record of how the dispatch ended, taking its progress reports on the way.
    private func report() async throws -> RenderCallback {
        let store = services.store
        var counter = (try? await store.changeCounter()) ?? 0
        while true {
            try Task.checkCancellation()
            do {
                if let report = try await store.remoteReport(jobId: job.id, dispatch: lease.token) {
                    if let progress = report.progress { state.set(progress: progress, stage: Self.stage) }
                    if let result = report.result { return try JSONDecoder().decode(RenderCallback.self, from: Data(result.utf8)) }
                }
            } catch let error as DecodingError {
                throw MixdownError(.internal, "the recorded render report does not decode: \(error)")
            } catch {
                if Task.isCancelled { throw CancellationError() }
                logger.warning("could not read the render report; trying again", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
            let before = ContinuousClock.now
            let latest = await store.waitForChange(since: counter, upTo: 1, doorbell: nil)
            // waitForChange returns at once while the process shuts down; the heartbeat ends this wait.
            if latest == counter && ContinuousClock.now - before < .milliseconds(500) { try await Task.sleep(for: .milliseconds(500)) }
            counter = latest
        }
    }

    /// The outputs and assets of a succeeded report (its outputs were checked in storage by the webhook),
    /// or the error of a failed one.
    private func published(_ callback: RenderCallback, outputs: [(PlannedOutput, StorageKey)]) throws -> ([JobOutput], [Asset]) {
        guard callback.status == .succeeded else {
            let failure = callback.error ?? RenderCallback.Failure(code: ErrorCode.remoteRenderFailed.rawValue, message: "no reason given")
            let message = "the render service: \(failure.message)"
            throw
                switch ErrorCode(rawValue: failure.code)
            {
            case .cancelled?: MixdownError(.renderServiceUnavailable, "the render service stopped the render (it shut down?): \(failure.message)")
            case let code?: MixdownError(code, message)
            case nil: MixdownError(.remoteRenderFailed, "\(failure.code): \(failure.message)")
            }
        }
        var published: [JobOutput] = []
        var assets: [Asset] = []
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        for (output, key) in outputs {
            guard let reported = callback.outputs.first(where: { $0.name == output.name }), reported.key == key.rawValue else {
                throw MixdownError(.outputMissing, "the render service reported no output '\(output.name)' at \(key)")
            }
            let id = Identifier.make(prefix: "ast_", milliseconds: now)
            assets.append(
                Asset(
                    id: id,
                    key: key,
                    name: output.fileName,
                    contentType: output.contentType,
                    bytes: reported.bytes,
                    durationSeconds: reported.durationSeconds,
                    sha256: reported.sha256,
                    jobId: job.id
                )
            )
            published.append(
                JobOutput(
                    name: output.name,
                    key: key,
                    contentType: output.contentType,
                    bytes: reported.bytes,
                    durationSeconds: reported.durationSeconds,
                    sha256: reported.sha256,
                    assetId: id
                )
            )
        }
        return (published, assets)
    }

    private func removeStored(_ keys: [StorageKey]) async {
        for key in keys {
            do {
                try await services.storage.delete(key)
            } catch {
                logger.warning("could not remove \(key)", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        }
    }
}
