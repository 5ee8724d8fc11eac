internal import Foundation
internal import Hummingbird
internal import Logging
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownRecipe
import MixdownStorage

extension MixdownAPI {
    func ready() async throws -> Response {
        do {
            try await services.store.checkReady()
            try await services.storage.checkReady()
            return try JSONResponse.make(["status": "ready"])
        } catch {
            // The reason goes to the log: it names SQL and folders, and /readyz needs no API key.
            services.logger.warning("not ready", metadata: ["error": "\(error)"])
            throw ProblemDocument(.serviceUnavailable, code: .notReady, detail: "the job store or the storage cannot be written")
        }
    }

    func metricsText() async throws -> Response {
        var counts: [String: Int] = [:]
        for (status, count) in try await services.store.statusCounts() { counts[status.rawValue] = count }
        let text = ServerMetrics.text(jobCounts: counts)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `POST /v1/recipes/validate`: the checks `POST /v1/jobs` makes on the same body, without creating a
    /// job: 200, or the problem document submission would answer (422 with every diagnostic for a recipe).
    func validate(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let isForm = try admitForm(request, what: "validations with files")
        defer { if isForm { uploadSlots.give() } }
        let submission = try await Submission.read(request, context: context, api: self)
        defer { submission.removeTemporaryFiles() }
        let recipe: Recipe
        switch request.uri.queryParameters.get("draft") {
        case nil, "0", "false": recipe = try await admit(submission, feature: nil).recipe
        // An editor checks the recipe as the author types, before any file is chosen: the document alone.
        case "1", "true": recipe = try parsed(submission, uploads: nil)
        default: throw ProblemDocument(.badRequest, code: .badQuery, detail: "draft is true or false")
        }
        return try JSONResponse.make(
            Validation(
                valid: true,
                kind: recipe.kind.rawValue,
                inputs: recipe.inputs.map(\.name),
                uploads: recipe.inputs.filter { $0.source == .upload }.map(\.name),
                params: recipe.params,
                outputs: recipe.outputs.map(\.name)
            )
        )
    }

    struct Validation: Encodable {
        var valid: Bool
        var kind: String
        var inputs: [String]
        /// The inputs a submission supplies (assets or file parts), for a form to ask for.
        var uploads: [String]
        /// Every param with the value it takes in this submission (its default unless `params` set it).
        var params: [String: String]
        var outputs: [String]
    }

    /// `GET /v1/limits`: the caps a client should check before it sends anything.
    func limits() throws -> Response {
        try JSONResponse.make(
            Limits(
                maxUploadBytes: configuration.maxUploadBytes,
                maxDurationSeconds: configuration.maxDurationSeconds,
                maxRecipeBytes: Submission.maxDocumentBytes,
                maxPreviewSeconds: PreviewWindow.maximumDuration
            )
        )
    }

    struct Limits: Encodable {
        var maxUploadBytes: Int
        var maxDurationSeconds: Double
        var maxRecipeBytes: Int
        var maxPreviewSeconds: Double
    }

    /// `POST /v1/recipes/plan`: the plan as JSON, after the checks a submission gets; upload inputs name
    /// assets (`inputs`) or come as parts. File paths in it are shown relative (work files, storage keys).
    func plan(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let isForm = try admitForm(request, what: "plans with files")
        defer { if isForm { uploadSlots.give() } }
        let submission = try await Submission.read(request, context: context, api: self)
        defer { submission.removeTemporaryFiles() }
        let (recipe, admitted, _) = try await admit(submission, feature: nil, keepPlan: true)
        if let admitted { return JSONResponse.raw(admitted) }
        // Network inputs are fetched for the plan (admission plans only recipes whose inputs are here).
        return JSONResponse.raw(
            try await planned(recipe, submission: submission, preview: submission.preview) { plan, work in try shown(plan, work: work) }
        )
    }
}
