internal import Foundation
internal import HTTPTypes
internal import Hummingbird
import MixdownJobs
import MixdownRecipe

extension MixdownAPI {
    /// The JSON body of `POST /v1/batches`: a recipe, params for every run, and one input set per run.
    struct BatchDocument: Decodable {
        var recipe: Submission.RecipeField
        var name: String?
        var params: [String: Submission.ParamValue]?
        var runs: [RunDocument]

        struct RunDocument: Decodable {
            var name: String?
            var params: [String: Submission.ParamValue]?
            var inputs: [String: String]?
        }
    }

    /// At most this many runs in one request (the body is capped at ``Submission/maxDocumentBytes`` too).
    static let maximumBatchRuns = 1000
    /// At most this much recipe text over the jobs one request makes.
    static let maximumBatchRecipeBytes = 16 << 20

    /// `POST /v1/batches`: each run's recipe is checked with its params and assets; the runs that can
    /// start are queued as one batch in one transaction (202), the others listed in `rejected` with why.
    /// When none can start nothing is queued: 422 with the first reason.
    func submitBatch(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        guard contentType.hasPrefix("application/json") else {
            throw ProblemDocument(.unsupportedMediaType, code: .unsupportedMediaType, detail: "send the batch as application/json")
        }
        let body = try await Submission.collect(request.body, limit: Submission.maxDocumentBytes)
        let document: BatchDocument
        do {
            document = try JSONDecoder().decode(BatchDocument.self, from: Data(body))
        } catch {
            throw ProblemDocument(.badRequest, code: .badJson, detail: "the body is not a batch document: \(error)")
        }
        guard (1...Self.maximumBatchRuns).contains(document.runs.count) else {
            throw ProblemDocument(
                .unprocessableContent,
                code: .outOfRange,
                detail: "a batch has 1 to \(Self.maximumBatchRuns) runs, not \(document.runs.count)",
                pointer: "/runs"
            )
        }
        if let name = document.name, name.count > 200 {
            throw ProblemDocument(.unprocessableContent, code: .outOfRange, detail: "name is at most 200 characters", pointer: "/name")
        }
        let name = document.name ?? "request"
        // Every job keeps its own copy of the recipe: what one request may write is bounded.
        let recipeBytes = document.recipe.text.utf8.count
        guard recipeBytes.multipliedReportingOverflow(by: document.runs.count).partialValue <= Self.maximumBatchRecipeBytes,
            recipeBytes <= Self.maximumBatchRecipeBytes
        else {
            throw ProblemDocument(
                .contentTooLarge,
                code: .tooLarge,
                detail: "the recipe times the number of runs is at most \(Self.maximumBatchRecipeBytes >> 20) MiB (each job keeps its copy)"
            )
        }
        let common = (document.params ?? [:]).mapValues(\.text)
        let items = BatchRun.itemNames(document.runs.map(\.name))
        let runs = zip(document.runs, items).map { run, item in
            BatchRun(
                item: item,
                recipe: document.recipe.text,
                recipeName: name,
                overrides: common.merging((run.params ?? [:]).mapValues(\.text)) { $1 },
                assets: run.inputs ?? [:]
            )
        }
        let submission: BatchSubmission
        do {
            submission = try await JobSubmitter(services: services).submitBatch(name: name, runs: runs)
        } catch let error as JobStoreError {
            throw ProblemDocument(.unprocessableContent, code: .outOfRange, detail: error.description)
        }
        // Rejections name the run as the client did, with its place in `runs`.
        let rejected = submission.rejected.map { rejection in
            var shown = rejection
            if let index = rejection.index, document.runs.indices.contains(index) { shown.item = document.runs[index].name ?? items[index] }
            return shown
        }
        guard let batch = submission.batch else {
            let first = rejected.first
            throw ProblemDocument(
                .unprocessableContent,
                code: first.flatMap { ErrorCode(rawValue: $0.code) } ?? .invalidRecipe,
                detail: "no run of the batch can start; \(first.map { "runs[\($0.index ?? 0)] (\($0.item)): \($0.error)" } ?? "")",
                pointer: first?.index.map { "/runs/\($0)" }
            )
        }
        return JSONResponse.raw(
            try batchJSON(batch, rejected: rejected),
            status: .accepted,
            headers: [.location: "/v1/batches/\(batch.id)"]
        )
    }

    func batchId(_ context: BasicRequestContext) throws -> String {
        let id = try context.parameters.require("batchId")
        guard Identifier.isValid(id, prefix: "bat_") else { throw ProblemDocument.notFound("batch \(Excerpt.excerpt(id))") }
        return id
    }

    /// `GET /v1/batches/{id}`: the totals, and a page of the batch's jobs (newest first, `limit`, `cursor`).
    func showBatch(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try batchId(context)
        let (limit, cursor) = try Self.page(request.uri.queryParameters)
        guard let batch = try await services.store.batch(id: id) else { throw ProblemDocument.notFound("batch \(id)") }
        let page = try await services.store.list(type: nil, status: nil, batch: id, limit: limit, cursor: cursor)
        return JSONResponse.raw(try batchJSON(batch, jobs: page))
    }

    /// `POST /v1/batches/{id}/cancel`: 202 with the batch after cancelling what had not ended; 409
    /// `job-finished` when every job had already ended.
    func cancelBatch(_ context: BasicRequestContext) async throws -> Response {
        let id = try batchId(context)
        guard let before = try await services.store.batch(id: id) else { throw ProblemDocument.notFound("batch \(id)") }
        guard !before.isFinished else {
            throw ProblemDocument(.conflict, code: .jobFinished, detail: "every job of batch \(id) already ended; there is nothing to cancel")
        }
        guard let batch = try await services.store.cancelBatch(id: id) else { throw ProblemDocument.notFound("batch \(id)") }
        return JSONResponse.raw(try batchJSON(batch), status: .accepted)
    }

    /// `GET /v1/batches/{id}/events`: Server-Sent Events of the batch's totals (`progress`) until every
    /// job ended (`end`).
    func batchEvents(_ context: BasicRequestContext) async throws -> Response {
        let id = try batchId(context)
        guard try await services.store.batch(id: id) != nil else { throw ProblemDocument.notFound("batch \(id)") }
        let store = services.store
        let body = ResponseBody { writer in
            var last: Batch?
            var counter = try await store.changeCounter()
            while let batch = try await store.batch(id: id) {
                if batch != last {
                    last = batch
                    let event = batch.isFinished ? "end" : "progress"
                    try await writer.write(ByteBuffer(string: "event: \(event)\ndata: \(try Self.batchJSON(batch))\n\n"))
                } else {
                    // As the job stream: keeps proxies from timing out, and ends the loop once the client left.
                    try await writer.write(ByteBuffer(string: ":\n\n"))
                }
                if batch.isFinished { break }
                counter = await store.waitForChange(since: counter, upTo: 1)
                try Task.checkCancellation()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    func batchJSON(_ batch: Batch, rejected: [BatchSubmission.Rejection]? = nil, jobs: JobPage? = nil) throws -> String {
        try Self.batchJSON(batch, rejected: rejected, jobs: jobs.map { page in (page.jobs.map(resources.job), page.nextCursor) })
    }

    /// A batch as JSON, keys sorted: ``BatchView``'s fields, `links`, and the optional `jobs` page and
    /// `rejected` runs.
    static func batchJSON(_ batch: Batch, rejected: [BatchSubmission.Rejection]? = nil, jobs: ([JobResource], String?)? = nil) throws -> String {
        let view = BatchView(batch)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("cancelled"); writer.number(view.cancelled)
        writer.key("createdAt"); writer.string(view.createdAt)
        writer.key("failed"); writer.number(view.failed)
        writer.key("finished"); writer.bool(view.finished)
        writer.key("id"); writer.string(view.id)
        if let jobs {
            writer.key("jobs"); writer.beginArray()
            for job in jobs.0 { try job.write(into: &writer) }
            writer.endArray()
        }
        writer.key("links"); writer.beginObject()
        writer.key("cancel"); writer.string("/v1/batches/\(view.id)/cancel")
        writer.key("events"); writer.string("/v1/batches/\(view.id)/events")
        writer.key("self"); writer.string("/v1/batches/\(view.id)")
        writer.endObject()
        if let jobs { writer.field("nextCursor", jobs.1) }
        writer.key("queued"); writer.number(view.queued)
        writer.key("recipeName"); writer.string(view.recipeName)
        if let rejected {
            writer.key("rejected"); writer.beginArray()
            for rejection in rejected {
                writer.beginObject()
                writer.key("code"); writer.string(rejection.code)
                writer.key("error"); writer.string(rejection.error)
                if let index = rejection.index { writer.key("index"); writer.number(index) }
                writer.key("name"); writer.string(rejection.item)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.key("running"); writer.number(view.running)
        writer.key("succeeded"); writer.number(view.succeeded)
        writer.key("total"); writer.number(view.total)
        writer.endObject()
        return writer.text
    }
}
