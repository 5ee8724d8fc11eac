internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import Logging
import MixdownExecution
import MixdownJobs
import MixdownPlanner
internal import MixdownRecipe
import MixdownStorage

extension MixdownAPI {
    /// `POST /v1/webhooks/render`: a render service's callback (Docs/render-dispatch.md, section 2).
    ///
    /// The secret is compared in constant time (401, nothing changes). A callback for a job that is
    /// unknown, not running, being cancelled, or already reported is answered 200 `ignored` and logged. A
    /// `succeeded` one has each output checked where it lies in storage, its size and SHA-256 against the
    /// report and its key against the job's plan; a mismatch fails the job (`output-mismatch`) and is
    /// answered 422. What passes is recorded for the worker that dispatched the job, which ends it through
    /// its usual path, as it would a render of its own (202).
    func renderWebhook(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let secret = configuration.webhookSecret, let token = APIKeyCheck.bearerToken(request), ConstantTime.equals(token, secret)
        else { throw ProblemDocument(.unauthorized, code: .unauthorized, detail: "the webhook secret is missing or wrong") }
        let body = try await Submission.collect(request.body, limit: 256 * 1024)
        let callback: RenderCallback
        do {
            callback = try JSONDecoder().decode(RenderCallback.self, from: Data(body))
        } catch {
            throw ProblemDocument(.badRequest, code: .badJson, detail: "the body is not a render callback: \(Self.decodingProblem(error))")
        }
        do {
            try callback.validate()
        } catch {
            throw ProblemDocument(.unprocessableContent, error)
        }
        let store = services.store
        let logger = services.logger
        func ignored(_ reason: String) throws -> Response {
            logger.notice(
                "render callback ignored",
                metadata: ["job": "\(callback.jobId)", "status": "\(callback.status.rawValue)", "reason": "\(reason)"]
            )
            return try JSONResponse.make(["status": "ignored", "reason": reason])
        }
        guard let job = try await store.job(id: callback.jobId) else { return try ignored("no such job") }
        guard job.status == .running else { return try ignored("the job is \(job.status.rawValue)") }
        guard !job.cancelRequested else { return try ignored("the job is being cancelled") }
        if callback.status == .running {
            let recorded = try await store.recordRemoteProgress(jobId: job.id, dispatch: callback.dispatchId, progress: callback.progress ?? 0)
            return recorded ? try JSONResponse.make(["status": "accepted"], status: .accepted) : try ignored("not this job's current dispatch")
        }
        if try await store.remoteReport(jobId: job.id, dispatch: callback.dispatchId)?.result != nil {
            return try ignored("the dispatch's result is already recorded")
        }
        var recorded = callback
        var mismatch: MixdownError?
        if callback.status == .succeeded {
            // Checking reads every output back: as many at once as uploads, and a node's retry meanwhile waits.
            guard uploadSlots.take() else {
                throw ProblemDocument(.serviceUnavailable, code: .busy, detail: "too many transfers at once; try again shortly")
            }
            defer { uploadSlots.give() }
            do {
                try await verifyOutputs(callback, of: job)
            } catch let error as MixdownError where error.code == .outputMismatch {
                mismatch = error
                recorded = RenderCallback.failed(jobId: job.id, dispatchId: callback.dispatchId, error)
            }
        } else {
            recorded.outputs = []
        }
        guard
            try await store.recordRemoteResult(
                jobId: job.id,
                dispatch: callback.dispatchId,
                result: String(decoding: try JSONEncoder().encode(recorded), as: UTF8.self)
            )
        else {
            return try ignored("not this job's current dispatch, or its result is already recorded")
        }
        logger.info("render callback recorded", metadata: ["job": "\(job.id)", "status": "\(recorded.status.rawValue)"])
        if let mismatch { throw ProblemDocument(.unprocessableContent, mismatch) }
        return try JSONResponse.make(["status": "accepted"], status: .accepted)
    }

    /// Checks that the callback reports exactly the plan's outputs, each under its key, and that storage
    /// holds each with the reported size and SHA-256 (read back in full: a service that lies about the
    /// hash is caught, not trusted).
    private func verifyOutputs(_ callback: RenderCallback, of job: Job) async throws {
        guard let planText = job.plan, let plan = try? JSONDecoder().decode(Plan.self, from: Data(planText.utf8)) else {
            throw MixdownError(.outputMismatch, "the job has no plan to check the outputs against")
        }
        let expected = Set(plan.outputs.map(\.name)), reported = callback.outputs.map(\.name)
        guard Set(reported) == expected, reported.count == expected.count else {
            throw MixdownError(
                .outputMismatch,
                "the render reports outputs \(reported.sorted().joined(separator: ", ")), the plan has \(expected.sorted().joined(separator: ", "))",
                pointer: "/outputs"
            )
        }
        let folder = try TemporaryFolder.make(prefix: "mixdown-webhook")
        defer { folder.remove() }
        for (index, output) in callback.outputs.enumerated() {
            guard let planned = plan.outputs.first(where: { $0.name == output.name }),
                let key = try? RemoteRender.outputKey(jobId: job.id, dispatchId: callback.dispatchId, output: planned), key.rawValue == output.key
            else {
                throw MixdownError(
                    .outputMismatch,
                    "output '\(Excerpt.excerpt(output.name))' is not at its job's key",
                    pointer: "/outputs/\(index)/key"
                )
            }
            let path: String
            do {
                path = try await services.storage.localPath(for: key, downloadingInto: folder.path)
            } catch {
                throw MixdownError(.outputMismatch, "output '\(output.name)' is not in storage at \(key)", pointer: "/outputs/\(index)")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            guard size == output.bytes else {
                throw MixdownError(
                    .outputMismatch,
                    "output '\(output.name)' holds \(size) bytes in storage, not the \(output.bytes) reported",
                    pointer: "/outputs/\(index)/bytes"
                )
            }
            let hash = try await BlockingIO.run { try PlanExecutor.sha256(ofFile: path) }
            guard hash == output.sha256 else {
                throw MixdownError(
                    .outputMismatch,
                    "output '\(output.name)' in storage has SHA-256 \(hash), not the \(output.sha256) reported",
                    pointer: "/outputs/\(index)/sha256"
                )
            }
            // A bucket's copy was downloaded for the hash; it goes before the next one comes.
            if path.hasPrefix(folder.path) { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    static func decodingProblem(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty ? "not JSON" : "'\(context.codingPath.map(\.stringValue).joined(separator: "/"))' has the wrong type or value"
        default: "not JSON"
        }
    }
}

/// A private folder under the system's temporary directory (`mkdtemp`, mode 0700).
struct TemporaryFolder {
    let path: String

    static func make(prefix: String) throws -> TemporaryFolder {
        let base = NSTemporaryDirectory()
        var template = Array("\(base.hasSuffix("/") ? base : base + "/")\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw MixdownError(.workWriteFailed, "cannot make a temporary folder") }
        return TemporaryFolder(path: String(cString: made))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
