internal import Foundation
internal import Logging
import MixdownExecution
import MixdownPlanner
import MixdownRecipe
import MixdownStorage
internal import ServiceLifecycle

/// Runs one claimed job: plans it, executes it while a heartbeat renews the lease and reports progress
/// every second, stores its outputs as assets, and records how it ended, every write fenced by the lease.
struct JobRunner {
    let services: MixdownServices
    let logger: Logger

    enum Stop: Sendable {
        case cancelled, timeout, lost, shutdown
    }

    /// Progress and stop reason shared by the execution and the heartbeat.
    final class RunState: @unchecked Sendable {
        private let lock = NSLock()
        private var progress = 0.0
        private var stage: String?
        private var pids: [Int32] = []
        private var stop: Stop?

        func update(_ event: ExecutionEvent) {
            lock.withLock {
                if event.kind == .processStarted, let pid = Int32(event.message ?? "") {
                    pids.append(pid)
                } else {
                    progress = max(progress, event.progress)
                    stage = event.stage
                }
            }
        }

        /// Progress a render service reported, under its own stage.
        func set(progress: Double, stage: String) {
            lock.withLock {
                self.progress = max(self.progress, min(max(progress, 0), 1))
                self.stage = stage
            }
        }

        var snapshot: (progress: Double, stage: String?, processes: String?) {
            lock.withLock { (progress, stage, pids.isEmpty ? nil : "\(Worker.host)|" + pids.suffix(16).map(String.init).joined(separator: ",")) }
        }

        func request(_ reason: Stop) -> Bool {
            lock.withLock {
                guard stop == nil else { return false }
                stop = reason
                return true
            }
        }

        var stopReason: Stop? { lock.withLock { stop } }
    }

    func run(_ job: Job, lease: Lease) async {
        let store = services.store
        let configuration = services.configuration
        let state = RunState()
        let work = WorkFolders.job(job.id, leaseToken: lease.token, store: services.configuration.store)
        defer { try? FileManager.default.removeItem(atPath: work) }

        let started = ContinuousClock.now
        let execution = Task { try await execute(job, lease: lease, work: work, state: state, started: started) }
        let interval = min(1.0, configuration.leaseSeconds / 3)
        let heartbeat = Task {
            var shutdownAt: ContinuousClock.Instant?
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                if Task.isCancelled { break }
                let snapshot = state.snapshot
                let reply = try? await store.heartbeat(
                    lease,
                    leaseSeconds: configuration.leaseSeconds,
                    progress: snapshot.progress,
                    stage: snapshot.stage,
                    processes: snapshot.processes
                )
                var reason: Stop?
                switch reply {
                case .active(cancelRequested: true): reason = .cancelled
                case .lost: reason = .lost
                default: break
                }
                if ContinuousClock.now - started > .seconds(job.timeoutSeconds) { reason = reason ?? .timeout }
                if Task.isShuttingDownGracefully {
                    shutdownAt = shutdownAt ?? .now
                    if ContinuousClock.now - shutdownAt! > .seconds(configuration.shutdownGraceSeconds) { reason = reason ?? .shutdown }
                }
                if let reason, state.request(reason) {
                    execution.cancel()
                    break
                }
            }
        }
        // A stop request with no grace period hands the job back at once instead of at the next heartbeat.
        let grace = configuration.shutdownGraceSeconds
        let result = await withGracefulShutdownHandler {
            await execution.result
        } onGracefulShutdown: {
            if grace <= 0, state.request(.shutdown) { execution.cancel() }
        }
        heartbeat.cancel()

        // Stopped (cancel, timeout, shutdown) after the outputs were stored: they belong to no asset row.
        if let reason = state.stopReason, reason != .lost {
            switch result {
            case .success(let (outputs, _)): await removeStored(outputs.map(\.key))
            case .failure(let run as RejectedRun): await removeStored(run.outputs.map(\.key))
            case .failure: break
            }
        }
        do {
            switch (result, state.stopReason) {
            case (.success(let (outputs, assets)), nil):
                do {
                    if try await store.complete(lease, result: JobResult(outputs: outputs), assets: assets) {
                        logger.info("succeeded", metadata: ["job": "\(job.id)"])
                    }
                } catch {
                    // No asset rows were written, so the stored outputs would be orphans. (A lost lease is
                    // different: the new owner writes the same keys and needs them.)
                    await removeStored(outputs.map(\.key))
                    throw error
                }
            case (_, .cancelled?):
                _ = try await store.markCancelled(lease)
                logger.info("cancelled", metadata: ["job": "\(job.id)"])
            case (_, .timeout?):
                let error = JobError(code: .timeout, message: "the \(job.type.rawValue) job ran past its \(Int(job.timeoutSeconds)) s limit")
                _ = try await store.fail(lease, error: error, retry: false, backoffSeconds: 0)
            case (_, .shutdown?):
                _ = try await store.release(lease)
                logger.info("released on shutdown", metadata: ["job": "\(job.id)"])
            case (_, .lost?):
                logger.warning("lease lost; another worker owns the job now", metadata: ["job": "\(job.id)"])
            case (.failure(let error), nil):
                var jobError = Self.describe(error)
                jobError.error.message = ServerPaths.redact(jobError.message, work: work, services: services)
                let rejected = (error as? RejectedRun)?.assets ?? []
                do {
                    // Not recorded means the lease was lost: the new owner writes the same keys and needs them.
                    _ = try await store.fail(
                        lease,
                        error: jobError,
                        retry: jobError.isRetryable,
                        backoffSeconds: configuration.retryBackoffSeconds,
                        assets: rejected
                    )
                } catch {
                    await removeStored(rejected.map(\.key))
                    throw error
                }
                logger.info("failed", metadata: ["job": "\(job.id)", "code": "\(jobError.code.rawValue)"])
            }
        } catch {
            // The lease will expire and the reaper will requeue the job.
            logger.error("could not record the end of \(job.id): \(error)")
        }
    }

    private func execute(
        _ job: Job,
        lease: Lease,
        work: String,
        state: RunState,
        started: ContinuousClock.Instant
    ) async throws -> ([JobOutput], [Asset]) {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: "\(work)/inputs", withIntermediateDirectories: true)
        let parameters = job.parameters
        let options = RecipeParser.Options(parameterOverrides: parameters.overrides, providedUploads: Set(parameters.uploads.keys))
        let recipe = try RecipeParser(options: options).parse(job.recipe, file: job.recipeName)
        var uploads: [String: String] = [:]
        for (name, id) in parameters.uploads {
            guard let asset = try await services.store.asset(id: id) else {
                throw MixdownError(code: .unknownAsset, message: "input '\(name)': asset \(id) is gone")
            }
            uploads[name] = try await services.storage.localPath(for: asset.key, downloadingInto: "\(work)/inputs")
        }
        let preparation = RecipePreparation(
            tools: services.tools,
            prober: services.prober,
            limits: services.inputLimits,
            assets: StoreAssetResolver(services: services, directory: "\(work)/inputs"),
            renderDevice: services.configuration.renderDevice
        )
        let (plan, inputs) = try await preparation.plan(
            recipe,
            recipeDirectory: parameters.recipeDirectory ?? work,
            uploads: uploads,
            preview: parameters.preview,
            workDirectory: "\(work)/inputs"
        )
        if case .lost = try await services.store.recordPlan(lease, plan: try JSONCoding.encode(plan)) { throw CancellationError() }
        if RemoteRender.runsRemotely(recipe, plan: plan, type: job.type, configuration: services.configuration) {
            return try await RemoteRender(services: services, job: job, lease: lease, state: state, logger: logger)
                .run(recipe, plan: plan, inputs: inputs, started: started)
        }
        let executor = PlanExecutor(tools: services.tools, prober: services.prober)
        let artifacts: [OutputArtifact]
        do {
            artifacts = try await executor.run(plan, outputDirectory: "\(work)/out") { state.update($0) }
        } catch let miss as ExpectationMiss {
            // A missed expectation: what was rejected is stored and kept as assets, so the client can
            // listen to it, and listed under the job's error, never as its result.
            let (outputs, assets) = try await store(miss.rejected, job: job)
            throw RejectedRun(error: miss.error, outputs: outputs, assets: assets)
        }
        return try await store(artifacts, job: job)
    }

    /// An expectation-failed run whose outputs were stored as rejected.
    struct RejectedRun: Error {
        var error: MixdownError
        var outputs: [JobOutput]
        /// Recorded with the failure, under the lease, in one transaction.
        var assets: [Asset]
    }

    /// Stores each artifact under `jobs/ID/FILE`, all or none, with the asset rows to record.
    private func store(_ artifacts: [OutputArtifact], job: Job) async throws -> ([JobOutput], [Asset]) {
        var outputs: [JobOutput] = []
        var assets: [Asset] = []
        let now = try await services.store.now()
        // All or none: when one output cannot be stored, the ones stored before it are removed again.
        var stored: [StorageKey] = []
        do {
            for artifact in artifacts {
                let fileName = URL(fileURLWithPath: artifact.path).lastPathComponent
                let key = try StorageKey("jobs/\(job.id)/\(fileName)")
                let object = try await services.storage.put(file: artifact.path, key: key, contentType: artifact.contentType)
                stored.append(key)
                let id = Identifier.make(prefix: "ast_", milliseconds: UInt64(now))
                assets.append(
                    Asset(
                        id: id,
                        key: key,
                        name: fileName,
                        contentType: artifact.contentType,
                        bytes: object.bytes,
                        durationSeconds: artifact.durationSeconds,
                        sha256: artifact.sha256,
                        jobId: job.id
                    )
                )
                outputs.append(
                    JobOutput(
                        name: artifact.name,
                        key: key,
                        contentType: artifact.contentType,
                        bytes: object.bytes,
                        durationSeconds: artifact.durationSeconds,
                        sha256: artifact.sha256,
                        assetId: id
                    )
                )
            }
        } catch {
            await removeStored(stored)
            throw error
        }
        return (outputs, assets)
    }

    /// Removes objects a failed publication stored.
    func removeStored(_ keys: [StorageKey]) async {
        for key in keys {
            do {
                try await services.storage.delete(key)
            } catch {
                logger.error("cannot remove \(key) after a failed publication: \(error)")
            }
        }
    }

    /// The job error for a failure; its code says whether another attempt could help.
    static func describe(_ error: any Error) -> JobError {
        switch error {
        case let error as RecipeError: JobError(error.error)
        case let error as MixdownError: JobError(error)
        case let run as RejectedRun: JobError(run.error, rejected: run.outputs)
        case let error as StorageError: JobError(error.error)
        case let error as S3Error: JobError(error.error)
        default: JobError(code: .internal, message: "\(error)")
        }
    }
}
