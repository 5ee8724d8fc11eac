internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import HummingbirdCore
import MixdownJobs
import MixdownPlanner
import MixdownRecipe
import MixdownStorage

extension MixdownAPI {
    /// `POST /v1/jobs` and the per-feature `POST /v1/{feature}`: every check of ``admit(_:feature:preview:keepPlan:)``, then
    /// uploads stored and the job created, 202.
    func submit(_ request: Request, _ context: BasicRequestContext, feature: String?) async throws -> Response {
        let idempotencyKey = try Self.idempotencyKey(request)
        // File parts stream into storage as they arrive, and become the job's upload assets.
        let isForm = try admitForm(request, what: "job submissions with files")
        defer { if isForm { uploadSlots.give() } }
        let submission = try await Submission.read(request, context: context, api: self, storingFiles: true)
        var preview = submission.preview
        if feature == "edit/preview" && preview == nil { preview = PreviewWindow(start: 0, duration: 30) }
        if feature == "edit/save" { preview = nil }
        var stored = submission.storedFiles
        do {
            let durations = try await admit(submission, feature: feature, preview: preview).durations
            for (name, duration) in durations { stored[name]?.durationSeconds = duration }
        } catch {
            await submission.removeStoredFiles(services.storage)
            throw error
        }
        do {
            // From here the submitter records what it keeps and removes the rest, whatever happens.
            let job = try await JobSubmitter(services: services).submit(
                recipe: submission.recipe,
                recipeName: submission.name,
                overrides: submission.overrides,
                assets: submission.assetInputs,
                stored: stored,
                preview: preview,
                idempotencyKey: idempotencyKey,
                notifyUrl: submission.notifyUrl
            )
            return JSONResponse.raw(try resources.job(job).json(), status: .accepted, headers: [.location: "/v1/jobs/\(job.id)"])
        } catch let error as RecipeError {
            throw ProblemDocument.invalidRecipe(error)
        } catch let error as JobStoreError {
            throw ProblemDocument(.conflict, code: .idempotencyConflict, detail: error.description)
        }
    }

    /// `POST /v1/jobs/{id}/retry`: queues a failed or cancelled job again with fresh attempts, as
    /// `mixdown jobs retry` does: the same job, so its id, batch and webhook stay. 202 with the job; 409
    /// `not-retryable` for a job that is queued, running or succeeded. A job submitted from the command line
    /// may read the server's files (its recipe's folder), which a network client may not ask for: 422.
    func retry(_ context: BasicRequestContext) async throws -> Response {
        let id = try jobId(context)
        guard let old = try await services.store.job(id: id) else { throw ProblemDocument.notFound("job \(id)") }
        func refused(_ status: JobStatus) -> ProblemDocument {
            ProblemDocument(.conflict, code: .notRetryable, detail: "job \(id) is \(status.rawValue); only a failed or cancelled job can be retried")
        }
        guard old.status == .failed || old.status == .cancelled else { throw refused(old.status) }
        if old.parameters.recipeDirectory != nil {
            throw ProblemDocument(
                .unprocessableContent,
                code: .fileInputNotAllowed,
                detail: "job \(id) was submitted from the command line and may read the server's files; retry it there (mixdown jobs retry \(id))"
            )
        }
        do {
            guard let job = try await services.store.retry(id: id) else { throw ProblemDocument.notFound("job \(id)") }
            return JSONResponse.raw(try resources.job(job).json(), status: .accepted)
        } catch JobStoreError.invalidTransition(_, let status) {
            // Another client retried it first.
            throw refused(status)
        }
    }

    static func kind(for feature: String) -> JobKind? {
        switch feature {
        case "ingest": .ingest
        case "edit/preview", "edit/save": .edit
        case "render": .render
        default: nil
        }
    }

    func jobId(_ context: BasicRequestContext) throws -> String {
        let id = try context.parameters.require("jobId")
        guard Identifier.isValid(id, prefix: "job_") else { throw ProblemDocument.notFound("job \(id)") }
        return id
    }

    func show(_ context: BasicRequestContext) async throws -> Response {
        let id = try jobId(context)
        guard let job = try await services.store.status(id: id) else { throw ProblemDocument.notFound("job \(id)") }
        // The polling route: JSON written by hand, not by JSONEncoder.
        return try JSONResponse.raw(resources.job(job).json())
    }

    /// `DELETE /v1/jobs/{id}`, `POST /v1/jobs/{id}/cancel` and the aliases: 202 with the job (cancelled if it
    /// was queued, `cancelRequested` if it runs); 409 `job-finished` if it had already ended.
    func cancel(_ context: BasicRequestContext) async throws -> Response {
        let id = try jobId(context)
        func finished(_ job: Job) -> ProblemDocument {
            ProblemDocument(.conflict, code: .jobFinished, detail: "job \(id) already ended (\(job.status.rawValue)); there is nothing to cancel")
        }
        // The store returns an ended job unchanged, and a queued job it cancels also comes back `cancelled`,
        // so whether the job had ended is read before cancelling.
        guard let before = try await services.store.status(id: id) else { throw ProblemDocument.notFound("job \(id)") }
        guard !before.status.isFinal else { throw finished(before) }
        guard let job = try await services.store.cancel(id: id) else { throw ProblemDocument.notFound("job \(id)") }
        // It ended on its own between the two reads.
        if job.status == .succeeded || job.status == .failed { throw finished(job) }
        return try JSONResponse.raw(resources.job(job).json(), status: .accepted)
    }

    func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var type: JobType?
        var status: JobStatus?
        if let text = query.get("type") {
            guard let value = JobType(rawValue: text) else {
                throw ProblemDocument(.badRequest, code: .badQuery, detail: "type is one of ingest, preview, save, render")
            }
            type = value
        }
        if let text = query.get("status") {
            guard let value = JobStatus(rawValue: text) else {
                throw ProblemDocument(.badRequest, code: .badQuery, detail: "status is one of queued, running, succeeded, failed, cancelled")
            }
            status = value
        }
        let (limit, cursor) = try Self.page(query)
        let page = try await services.store.list(type: type, status: status, limit: limit, cursor: cursor)
        return try JSONResponse.raw(JobResource.page(page.jobs.map(resources.job), nextCursor: page.nextCursor))
    }

    /// A listing's `limit` (1...500, default 50) and `cursor` (a job id) query parameters.
    static func page(_ query: FlatDictionary<Substring, Substring>) throws -> (limit: Int, cursor: String?) {
        var limit = 50
        if let text = query.get("limit") {
            guard let value = Int(text), (1...500).contains(value) else {
                throw ProblemDocument(.badRequest, code: .badQuery, detail: "limit is 1...500")
            }
            limit = value
        }
        let cursor = query.get("cursor")
        if let cursor, !Identifier.isValid(cursor, prefix: "job_") {
            throw ProblemDocument(.badRequest, code: .badQuery, detail: "cursor is a job id")
        }
        return (limit, cursor)
    }

    /// `GET /v1/jobs/{id}/events`: Server-Sent Events of progress and status until the job ends.
    func events(_ context: BasicRequestContext) async throws -> Response {
        let id = try jobId(context)
        guard try await services.store.job(id: id) != nil else { throw ProblemDocument.notFound("job \(id)") }
        let store = services.store
        let resources = self.resources
        let body = ResponseBody { writer in
            var last: (JobStatus, Double, String?)?
            var counter = try await store.changeCounter()
            while let job = try await store.job(id: id) {
                if last == nil || last! != (job.status, job.progress, job.stage) {
                    last = (job.status, job.progress, job.stage)
                    let event = job.status.isFinal ? "end" : "progress"
                    try await writer.write(ByteBuffer(string: "event: \(event)\ndata: \(try resources.job(job).json())\n\n"))
                } else {
                    // A comment line: keeps proxies from timing the stream out, and a write to a client
                    // that has gone throws, which ends this loop instead of leaving it to wait forever.
                    try await writer.write(ByteBuffer(string: ":\n\n"))
                }
                if job.status.isFinal { break }
                // Re-read when the store changed, or at least once a second.
                counter = await store.waitForChange(since: counter, upTo: 1)
                try Task.checkCancellation()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
}
